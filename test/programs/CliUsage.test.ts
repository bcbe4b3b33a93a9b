// The CLI's bad usage, run as a user runs it: exit code 2, one line on stderr, nothing on stdout, no stack.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { lines, run } from "./CliProcess.js"

const NS = ["--namesrv", "127.0.0.1:9"]

/** [command line, what the one line on stderr says] */
const badUsage: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
  [["produce", ...NS, "--topic", "T", "--count", "-1"], /^--count must be .*from 1 .*, got -1$/],
  [["produce", ...NS, "--topic", "T", "--count", "0"], /^--count must be .*, got 0$/],
  [
    ["produce", ...NS, "--topic", "T", "--size", "-1"],
    /^--size must be a body size in bytes from 1 to 4194304.*, got -1$/
  ],
  [["embedded", "--port", "99999"], /^--port must be a TCP port from 0 to 65535, got 99999$/],
  [["embedded", "--brokers", "0"], /^--brokers must be a number of brokers from 1 to 26, got 0$/],
  [["consume", ...NS, "--topic", "T", "--group", "G", "--timeout", "0"], /^--timeout must be .*, got 0$/],
  [["consume", ...NS, "--topic", "T", "--group", "G", "--count", "-5"], /^--count must be .*, got -5$/],
  [["consume", "--namesrv", "a:9876,b", "--topic", "T", "--group", "G"], /^--namesrv: "b" is not host:port/],
  [
    ["route", "--topic", "T"],
    /^error: UsageError: no name server: give --namesrv host:port or set ROCKETMQ_NAMESRV_ADDR$/
  ],
  [["route", ...NS, "--topic", "T", "--bogus"], /^Received unknown argument: '--bogus'$/],
  [["produce", ...NS], /^Expected to find option: '--topic'$/],
  [["nosuchcommand"], /^Invalid subcommand for effect-rocketmq/]
]

// One process at a time: each start of the CLI costs about two seconds of CPU.
describe("effect-rocketmq, used wrongly", () => {
  for (const [args, says] of badUsage) {
    it.live(`${args.join(" ")}: exit code 2 and one line, no stack`, () =>
      Effect.gen(function*() {
        const { code, stderr, stdout } = yield* run(args)
        expect(stdout).toBe("")
        expect(lines(stderr)).toHaveLength(1)
        expect(lines(stderr)[0]).toMatch(says)
        expect(stderr).not.toMatch(/^\s+at /m)
        expect(stderr).not.toMatch(/RangeError|"_tag"/)
        expect(code).toBe(2)
      }))
  }

  it.live("help shows the defaults and no ANSI escapes when piped, or with NO_COLOR", () =>
    Effect.gen(function*() {
      for (const env of [{}, { NO_COLOR: "1" }]) {
        const { code, stderr, stdout } = yield* run(["consume", "--help"], { env })
        expect(code).toBe(0)
        expect(stderr).toBe("")
        expect(stdout).not.toContain("\u001b")
        expect(stdout).toContain("(default: 30)")
        expect(stdout).toContain("(default: last)")
        expect(stdout).toContain("--follow")
        expect(stdout).toContain("--allow-empty")
      }
      const embedded = yield* run(["embedded", "--help"])
      expect(embedded.stdout).toContain("(default: 9876)")
      expect(embedded.stdout).toContain("--advertise")
    }))

  it.live("a bad ROCKETMQ_NAMESRV_ADDR is a usage error of npm start", () =>
    Effect.gen(function*() {
      const { code, stderr, stdout } = yield* run([], { program: "main", env: { ROCKETMQ_NAMESRV_ADDR: "nohost" } })
      expect(stdout).toBe("")
      expect(lines(stderr)).toEqual([
        "error: UsageError: ROCKETMQ_NAMESRV_ADDR: \"nohost\" is not host:port (separate name servers with ; or ,)"
      ])
      expect(code).toBe(2)
    }))
})
