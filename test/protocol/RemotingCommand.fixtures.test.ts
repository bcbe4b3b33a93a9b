import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeCommand, decodeFrame, encodeCommand, type RemotingCommand } from "../../src/protocol/RemotingCommand.js"
import { allFrames as frames4, allFrames5 } from "../fixtures.js"

const allFrames = [...frames4, ...allFrames5]

const decode = (hex: string): RemotingCommand => {
  const result = decodeCommand(Buffer.from(hex, "hex"))
  if (Either.isLeft(result)) throw result.left
  return result.right
}

describe("captured RocketMQ 4.9.8 and 5.0.0 frames", () => {
  it("there are frames of both serialize types", () => {
    expect(allFrames.length).toBeGreaterThan(500)
    expect(allFrames.some((f) => f.serializeType === "ROCKETMQ")).toBe(true)
    expect(allFrames5.length).toBe(225)
  })

  it.each(allFrames.map((f) => [`${f.file}:${f.line}`, f] as const))("%s decodes to the recorded fields", (_, f) => {
    const command = decode(f.hex)
    expect(command.serializeType).toBe(f.serializeType)
    expect(command.code).toBe(f.header.code)
    expect(command.opaque).toBe(f.header.opaque)
    expect(command.flag).toBe(f.header.flag)
    expect(command.version).toBe(f.header.version)
    expect(command.remark).toBe(f.header.remark)
    expect(command.extFields).toEqual(f.header.extFields)
    expect(command.body?.length ?? 0).toBe(f.bodyLength)
    if (typeof f.header.language === "string") expect(command.language).toBe(f.header.language)
    else expect(command.language).toBe("JAVA")
    if (f.bodyText !== undefined) expect(Buffer.from(command.body!).toString("utf8")).toBe(f.bodyText)
  })

  it.each(allFrames.map((f) => [`${f.file}:${f.line}`, f] as const))(
    "%s re-encodes to identical bytes (JSON headers in fastjson's field order)",
    (_, f) => {
      expect(encodeCommand(decode(f.hex)).toString("hex")).toBe(f.hex)
    }
  )

  it.each(allFrames.filter((f) => f.serializeType === "JSON").map((f) => [`${f.file}:${f.line}`, f] as const))(
    "%s re-encodes to an equivalent JSON header and the same body",
    (_, f) => {
      const original = Buffer.from(f.hex, "hex")
      const again = encodeCommand(decode(f.hex))
      const headerOf = (b: Buffer) => JSON.parse(b.toString("utf8", 8, 8 + (b.readInt32BE(4) & 0xffffff)))
      expect(headerOf(again)).toEqual(headerOf(original))
      const bodyOf = (b: Buffer) => b.subarray(8 + (b.readInt32BE(4) & 0xffffff)).toString("hex")
      expect(bodyOf(again)).toBe(bodyOf(original))
      expect(Either.getOrThrow(decodeFrame(again.subarray(4)))).toEqual(decode(f.hex))
    }
  )
})
