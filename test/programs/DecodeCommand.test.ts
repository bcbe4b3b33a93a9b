import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import type { Console } from "effect"
import { Effect, Exit } from "effect"
import { execFile } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { runCli } from "../../src/programs/commands.js"
import type { InspectedCommand } from "../../src/protocol/FrameInspection.js"
import { fixtureDir, loadScenario } from "../fixtures.js"
import { tempDir } from "../support/TempDir.js"

/** Runs the CLI in this process, collecting what it prints. */
const cli = (...args: Array<string>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const console: Console.Console = {
      ...(yield* Effect.console),
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(a.join(" "))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(a.join(" ")))
    }
    const exit = yield* runCli(["node", "effect-rocketmq", ...args]).pipe(
      Effect.provide(NodeContext.layer),
      Effect.withConsole(console),
      Effect.exit
    )
    return { exit, out: out.map((l) => JSON.parse(l) as InspectedCommand), err }
  })

describe("effect-rocketmq decode", () => {
  const pull = loadScenario("pull.jsonl")
  const found = pull.find((f) => f.messages !== undefined)!

  it.effect("prints a pull response with its messages, as the capture lists them", () =>
    Effect.gen(function*() {
      const { exit, out } = yield* cli("decode", found.hex)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(out).toHaveLength(1)
      const [command] = out
      expect(command).toMatchObject({ code: 0, codeName: "SUCCESS", remark: "FOUND", response: true })
      expect(command!.messages!.map((m) => [m.topic, m.queueOffset, m.msgId, m.body])).toEqual(
        found.messages!.map((m) => [m.topic, m.queueOffset, m.properties.UNIQ_KEY, m.body.utf8])
      )
      expect(command!.messages![0]!.tags).toBe(found.messages![0]!.properties.TAGS)
    }))

  it.effect("names request codes on requests and response codes on responses", () =>
    Effect.gen(function*() {
      const route = loadScenario("fastjson-route.jsonl")
      const { out } = yield* cli("decode", route[2]!.hex, route[3]!.hex)
      expect(out.map((c) => c.codeName)).toEqual(["GET_ROUTEINFO_BY_TOPIC", "TOPIC_NOT_EXIST"])
      expect(out[1]!.remark).toContain("No topic route info in name server for the topic: NoSuchTopic")
    }))

  it.effect("shows the half message of a CHECK_TRANSACTION_STATE request", () =>
    Effect.gen(function*() {
      const check = loadScenario("transaction.jsonl").find((f) => f.header.code === 39)!
      const { out } = yield* cli("decode", check.hex)
      expect(out[0]!.messages![0]!.keys).toEqual(["TX-UNKNOWN"])
      expect(out[0]!.messages![0]!.properties.TRAN_MSG).toBe("true")
    }))

  it.scoped("reads a binary stream of frames from a file", () =>
    Effect.gen(function*() {
      const frames = loadScenario("binary-produce.jsonl")
      const file = join(yield* tempDir("decode-"), "stream.bin")
      writeFileSync(file, Buffer.concat(frames.map((f) => Buffer.from(f.hex, "hex"))))
      const { exit, out } = yield* cli("decode", "--file", file)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(out.map((c) => c.opaque)).toEqual(frames.map((f) => f.header.opaque))
      expect(out.every((c) => c.serializeType === "ROCKETMQ")).toBe(true)
    }))

  it.effect("reports bad input on stderr with its offset and fails, decoding the rest", () =>
    Effect.gen(function*() {
      const { err, exit, out } = yield* cli("decode", "00000005000000", found.hex, "xyz")
      expect(Exit.isFailure(exit)).toBe(true)
      expect(out).toHaveLength(1)
      expect(err.map((e) => JSON.parse(e))).toEqual([
        { input: "argument 1", error: "an incomplete frame: 7 byte(s) after the last whole one", offset: 0 },
        { input: "argument 3", error: "not hex: \"x\"", offset: 0 }
      ])
    }))

  it("reads hex lines, and captured-frame JSON lines, from stdin", async () => {
    const input = readFileSync(join(fixtureDir, "orderly.jsonl"), "utf8")
    const child = promisify(execFile)(process.execPath, ["bin/effect-rocketmq.js", "decode"], { maxBuffer: 1 << 26 })
    child.child.stdin!.end(input)
    const { stdout } = await child
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as InspectedCommand)
    expect(lines).toHaveLength(input.trim().split("\n").length)
    expect(lines.filter((c) => c.codeName === "LOCK_BATCH_MQ").length).toBeGreaterThan(0)
  })
})
