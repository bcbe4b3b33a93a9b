// Failures of the work, run as a user runs the programs (child processes): a dead name server, an HTTP server taken
// for one, a black-holed address; one line each, the cause with --verbose or ROCKETMQ_DEBUG=1; `npm start` the same.
// And `embedded --host 0.0.0.0`, which must advertise an address a client can reach.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { badPeer } from "../support/BadPeers.js"
import { lines, run, startProcess } from "./CliProcess.js"

const errorLines = (stderr: string) => lines(stderr).filter((l) => l.startsWith("error:"))
const STACK = /^\s+at /m

describe("effect-rocketmq, when the work fails", () => {
  it.scopedLive(
    "consume with the name server down: exit 1, one error line; the cause with --verbose",
    () =>
      Effect.gen(function*() {
        const dead = yield* badPeer("refused")
        const args = ["consume", "--namesrv", dead.address, "--topic", "Orders", "--group", "g"]
        const plain = yield* run(args)
        expect(plain.stdout).toBe("")
        expect(errorLines(plain.stderr)).toEqual([
          `error: RemotingConnectError: cannot connect to ${dead.address}: connect ECONNREFUSED ${dead.address}`
        ])
        expect(plain.stderr).not.toMatch(STACK)
        expect(plain.code).toBe(1)
        // --log-level after the subcommand silences the warnings: the error line alone.
        const quiet = yield* run([...args, "--log-level", "none"])
        expect(lines(quiet.stderr)).toEqual(errorLines(plain.stderr))
        for (const loud of [yield* run([...args, "--verbose"]), yield* run(args, { env: { ROCKETMQ_DEBUG: "1" } })]) {
          expect(errorLines(loud.stderr)).toEqual(errorLines(plain.stderr))
          expect(loud.stderr).toMatch(STACK)
          expect(loud.code).toBe(1)
        }
      }),
    90_000
  )

  it.scopedLive("an HTTP server given as the name server is named as such", () =>
    Effect.gen(function*() {
      const http = yield* badPeer("http")
      const { code, stderr, stdout } = yield* run(["route", "--namesrv", http.address, "--topic", "Orders"])
      expect(stdout).toBe("")
      const [line, ...more] = errorLines(stderr)
      expect(more).toEqual([])
      expect(line).toMatch(/^error: RemotingConnectionError: .*the peer answered in HTTP/)
      expect(code).toBe(1)
    }), 60_000)

  it.scopedLive(
    "embedded --host 0.0.0.0 advertises a reachable address, or --advertise HOST",
    () =>
      Effect.gen(function*() {
        const wildcard = yield* startProcess(["embedded", "--port", "0", "--brokers", "2", "--host", "0.0.0.0"])
        const chosen = JSON.parse(yield* wildcard.line("stdout", /^\{/)) as {
          nameServer: string
          brokers: ReadonlyArray<{ address: string }>
        }
        for (const address of [chosen.nameServer, ...chosen.brokers.map((b) => b.address)]) {
          expect(address).not.toMatch(/^0\.0\.0\.0:/)
        }
        const told = yield* startProcess(["embedded", "--port", "0", "--host", "0.0.0.0", "--advertise", "127.0.0.1"])
        const cluster = JSON.parse(yield* told.line("stdout", /^\{/)) as { nameServer: string }
        expect(cluster.nameServer).toMatch(/^127\.0\.0\.1:\d+$/)
        // A client reaches the name server and the broker it advertises.
        const route = yield* run(["route", "--namesrv", cluster.nameServer, "--topic", "TBW102"])
        expect(route.code).toBe(0)
        const { brokerDatas } = JSON.parse(route.stdout) as {
          brokerDatas: ReadonlyArray<{ brokerAddrs: Record<string, string> }>
        }
        expect(brokerDatas[0]!.brokerAddrs["0"]).toMatch(/^127\.0\.0\.1:\d+$/)
        for (const embedded of [wildcard, told]) {
          yield* embedded.kill("SIGINT")
          expect((yield* embedded.exit()).code).toBe(0)
        }
      }),
    90_000
  )
})

describe("npm start against a dead or wrong address", () => {
  it.scopedLive(
    "prints one error line and exits 1 within the connect timeout, whatever the sends in flight",
    () =>
      Effect.gen(function*() {
        const refused = yield* badPeer("refused")
        const http = yield* badPeer("http")
        const blackHoled = yield* badPeer("black-holed")
        const start = (address: string) => run([], { program: "main", env: { ROCKETMQ_NAMESRV_ADDR: address } })
        const fast = yield* start(refused.address)
        expect(errorLines(fast.stderr)).toEqual([
          `error: RemotingConnectError: cannot connect to ${refused.address}: connect ECONNREFUSED ${refused.address}`
        ])
        const wrong = yield* start(http.address)
        expect(errorLines(wrong.stderr)).toHaveLength(1)
        expect(errorLines(wrong.stderr)[0]).toMatch(/the peer answered in HTTP/)
        const slow = yield* start(blackHoled.address)
        expect(errorLines(slow.stderr)).toHaveLength(1)
        expect(errorLines(slow.stderr)[0]).toMatch(/^error: Remoting\w+Error: .* 3000 ms$/)
        // The connect timeout (3 s) and what the refused run took to start and stop, with room for a loaded machine.
        expect(slow.millis).toBeLessThan(fast.millis + 3_000 + 10_000)
        for (const r of [fast, wrong, slow]) {
          expect(r.stdout).toBe("")
          expect(r.stderr).not.toMatch(STACK)
          expect(lines(r.stderr).length).toBeLessThanOrEqual(4)
          expect(r.code).toBe(1)
        }
      }),
    90_000
  )
})
