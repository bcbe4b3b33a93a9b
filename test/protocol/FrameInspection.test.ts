import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { carriesMessages, inspectCommand } from "../../src/protocol/FrameInspection.js"
import { decodeCommand } from "../../src/protocol/RemotingCommand.js"
import { allFrames } from "../fixtures.js"

describe("the frame inspector on every captured frame", () => {
  it.each(allFrames.map((f) => [`${f.file}:${f.line}`, f] as const))("%s", (_, f) => {
    const command = Either.getOrThrow(decodeCommand(Buffer.from(f.hex, "hex")))
    const shown = inspectCommand(command)
    expect(shown.bodyLength).toBe(f.bodyLength)
    expect(shown.extFields).toEqual(f.header.extFields ?? {})
    expect(carriesMessages(command)).toBe(f.messages !== undefined)
    if (f.messages !== undefined) {
      expect(shown.messages!.map((m) => m.queueOffset)).toEqual(f.messages.map((m) => m.queueOffset))
      expect(shown.messages!.map((m) => m.bodyLength)).toEqual(
        f.messages.map((m) => m.body.length ?? Buffer.byteLength(m.body.utf8!))
      )
    } else if (f.bodyText !== undefined && f.header.code !== 320) {
      expect(shown.bodyText).toBe(f.bodyText)
    }
  })
})
