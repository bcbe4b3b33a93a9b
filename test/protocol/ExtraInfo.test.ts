import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { popHandles } from "../../src/layers/consumer/PopApi.js"
import {
  formatPopHandle,
  formatPopOffsetInfo,
  parsePopHandle,
  parsePopOffsetInfo,
  popRetryTopic
} from "../../src/protocol/ExtraInfo.js"
import { decodeHeader } from "../../src/protocol/headers/CommandHeader.js"
import { PopMessageResponseHeader } from "../../src/protocol/headers/PopHeaders.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { decodeCommand } from "../../src/protocol/RemotingCommand.js"
import { loadScenario } from "../fixtures.js"

const handle = fc.record({
  startOffset: fc.nat(),
  popTime: fc.nat(),
  invisibleTime: fc.nat(),
  reviveQid: fc.nat({ max: 64 }),
  retry: fc.boolean(),
  brokerName: fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/),
  queueId: fc.nat({ max: 1024 }),
  queueOffset: fc.nat()
})

describe("POP_CK handles (ExtraInfoUtil)", () => {
  it.prop("a handle reads back as written", [handle], ([h]) => {
    expect(Either.getOrThrow(parsePopHandle(formatPopHandle(h)))).toEqual(h)
  })

  it.prop("offset infos read back as written, by retry flag and queue", [
    fc.uniqueArray(
      fc.record({
        retry: fc.boolean(),
        queueId: fc.nat({ max: 64 }),
        offsets: fc.array(fc.nat(), { minLength: 1, maxLength: 5 })
      }),
      {
        selector: (e) => `${e.retry}${e.queueId}`,
        maxLength: 6
      }
    )
  ], ([entries]) => {
    const table = Either.getOrThrow(parsePopOffsetInfo(formatPopOffsetInfo(entries)))
    expect([...table]).toEqual(entries.map((e) => [`${e.retry ? 1 : 0}@${e.queueId}`, e.offsets]))
  })

  it("text that is not a handle is a ProtocolError", () => {
    for (const bad of ["", "0 1 2 3 0 b 1", "0 1 2 3 2 b 1 0", "x 1 2 3 0 b 1 0", "0 1 2 3 0  1 0"]) {
      expect(Either.isLeft(parsePopHandle(bad))).toBe(true)
    }
    expect(Either.isLeft(parsePopOffsetInfo("0 1"))).toBe(true)
  })

  it("the pop retry topic is %RETRY%{group}_{topic}", () => {
    expect(popRetryTopic("fixture_pop_group", "PopTopic5")).toBe("%RETRY%fixture_pop_group_PopTopic5")
  })

  it("the handles built from the captured POP_MESSAGE answers are those the Java client acked with", () => {
    const frames = loadScenario("pop.jsonl", "5.0.0")
    const sentBack = new Set(
      frames.filter((f) => f.header.code === 200051 || f.header.code === 200053).map((f) =>
        f.header.extFields!.extraInfo
      )
    )
    const answers = frames.filter((f) => f.requestCode === 200050 && f.from === "broker" && f.messages !== undefined)
    expect(answers.length).toBe(2)
    const built = answers.flatMap((f) => {
      const command = Either.getOrThrow(decodeCommand(Buffer.from(f.hex, "hex")))
      const header = Either.getOrThrow(decodeHeader(PopMessageResponseHeader, command.extFields))
      return Either.getOrThrow(popHandles(header, "broker-5", Either.getOrThrow(decodeMessages(command.body!))))
    })
    expect(new Set(built)).toEqual(sentBack)
  })
})
