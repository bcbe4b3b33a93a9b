// The CLI run as a user runs it (a child process) against an embedded cluster started in the test process: JSON
// lines alone on stdout, exit codes, --follow until Ctrl-C, --allow-empty, progress, --log-level anywhere.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { lines, run, startProcess } from "./CliProcess.js"

/** Every stdout line is a JSON object; answers them. */
const jsonLines = (stdout: string) => lines(stdout).map((l) => JSON.parse(l) as Record<string, unknown>)

const withCluster = <A, E>(f: (nameServer: string) => Effect.Effect<A, E, EmbeddedCluster>) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
    return yield* f(cluster.nameServerAddress)
  }).pipe(Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped)

const produce = (namesrv: string, count: number) =>
  run(["produce", "--namesrv", namesrv, "--topic", "Orders", "--tag", "TagA", "--count", String(count)])

describe("effect-rocketmq produce and consume, as child processes", () => {
  it.live(
    "produce takes name servers separated by commas and prints only send results on stdout",
    () =>
      withCluster((ns) =>
        Effect.gen(function*() {
          const { code, stderr, stdout } = yield* produce(`${ns},${ns}`, 3)
          expect(jsonLines(stdout).map((r) => [r.sendStatus, r.topic, r.queueOffset])).toEqual([
            ["SEND_OK", "Orders", 0],
            ["SEND_OK", "Orders", 1],
            ["SEND_OK", "Orders", 2]
          ])
          expect(stderr).toMatch(/^sent 3 message\(s\) to Orders in [\d.]+ s$/m)
          expect(code).toBe(0)
        })
      ),
    60_000
  )

  it.live(
    "consume exits 0 after --count or with what came before the timeout; nothing is exit 1, or 0 with --allow-empty",
    () =>
      withCluster((ns) =>
        Effect.gen(function*() {
          expect((yield* produce(ns, 3)).code).toBe(0)
          const common = ["consume", "--namesrv", `${ns};${ns}`, "--topic", "Orders", "--group", "readers"]
          const first = yield* run([...common, "--from", "first", "--count", "2"])
          expect(jsonLines(first.stdout).map((m) => m.body)).toEqual(["message 0", "message 1"])
          expect(first.code).toBe(0)
          const rest = yield* run([...common, "--timeout", "1"])
          expect(jsonLines(rest.stdout).map((m) => m.body)).toEqual(["message 2"])
          expect(rest.code).toBe(0)
          const nothing = yield* run([...common, "--timeout", "1"])
          expect(nothing.stdout).toBe("")
          expect(lines(nothing.stderr).filter((l) => l.startsWith("error:"))).toEqual([
            "error: NothingConsumedError: nothing consumed from Orders in 1 s (--allow-empty makes that a success)"
          ])
          expect(nothing.stderr).not.toMatch(/^\s+at /m)
          expect(nothing.code).toBe(1)
          const allowed = yield* run([...common, "--timeout", "1", "--allow-empty"])
          expect(allowed.stdout).toBe("")
          expect(allowed.stderr).not.toContain("error:")
          expect(allowed.code).toBe(0)
        })
      ),
    90_000
  )

  it.live(
    "consume --follow prints progress every second and, on Ctrl-C, commits its offsets and exits 0",
    () =>
      withCluster((ns) =>
        Effect.gen(function*() {
          expect((yield* produce(ns, 3)).code).toBe(0)
          const common = ["consume", "--namesrv", ns, "--topic", "Orders", "--group", "followers"]
          const exited = yield* Effect.scoped(Effect.gen(function*() {
            const follower = yield* startProcess([...common, "--from", "first", "--follow"])
            yield* follower.line("stdout", /"body":"message 2"/)
            yield* follower.line("stderr", /^consumed 3 so far \(\d+ msg\/s\)$/)
            yield* follower.kill("SIGINT")
            return yield* follower.exit()
          }))
          expect(jsonLines(exited.stdout).map((m) => m.body)).toEqual(["message 0", "message 1", "message 2"])
          expect(exited.stderr).toContain("consumed 3 message(s) from Orders")
          expect(exited.code).toBe(0)
          // The offsets were committed: the group has nothing left.
          const after = yield* run([...common, "--timeout", "1", "--allow-empty"])
          expect(after.stdout).toBe("")
          expect(after.code).toBe(0)
        })
      ),
    90_000
  )

  it.live(
    "produce prints progress on stderr every second while it sends",
    () =>
      withCluster((ns) =>
        Effect.scoped(Effect.gen(function*() {
          const producer = yield* startProcess([
            "produce",
            "--namesrv",
            ns,
            "--topic",
            "Orders",
            "--count",
            "100000000"
          ])
          yield* producer.line("stderr", /^sent \d+ so far \(\d+ msg\/s\)$/)
          yield* producer.kill("SIGINT")
          const exited = yield* producer.exit()
          expect(jsonLines(exited.stdout).every((r) => r.sendStatus === "SEND_OK")).toBe(true)
          expect(exited.code).toBe(0)
        }))
      ),
    60_000
  )

  it.live(
    "an unknown topic or a bad group name is exit 1 with one error line",
    () =>
      withCluster((ns) =>
        Effect.gen(function*() {
          const missing = yield* run(["consume", "--namesrv", ns, "--topic", "Nope", "--group", "g"])
          expect(missing.stdout).toBe("")
          expect(lines(missing.stderr)).toEqual([
            "error: TopicNotFoundError: no route for topic Nope: the name servers do not know it"
          ])
          expect(missing.code).toBe(1)
          const badGroup = yield* run(["consume", "--namesrv", ns, "--topic", "Orders", "--group", "bad group"])
          expect(lines(badGroup.stderr)).toEqual([
            "error: InvalidNameError: group \"bad group\": the specified group[bad group] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
          ])
          expect(badGroup.code).toBe(1)
        })
      ),
    60_000
  )

  it.live("--log-level is taken before and after the subcommand", () =>
    withCluster((ns) =>
      Effect.gen(function*() {
        for (
          const args of [
            ["--log-level", "debug", "route", "--namesrv", ns, "--topic", "Orders"],
            ["route", "--namesrv", ns, "--topic", "Orders", "--log-level=debug"]
          ]
        ) {
          const { code, stdout } = yield* run(args)
          expect(jsonLines(stdout).map((r) => r.topic)).toEqual(["Orders"])
          expect(code).toBe(0)
        }
      })
    ), 60_000)
})
