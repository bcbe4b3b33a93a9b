import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { writeJsonHeader } from "../../src/protocol/internal/JsonHeaderWriter.js"
import { encodeCommand, encodeFrameHead, encodeFrameParts } from "../../src/protocol/RemotingCommand.js"
import * as Arb from "./arbitraries.js"

/** The header as JSON.stringify writes it: the reference the byte writer must match. */
const stringified = Arb.headerJson

describe("JSON header writer", () => {
  it.prop("writes the bytes JSON.stringify writes, for ASCII text with every escape", [Arb.asciiHeader], ([c]) => {
    const out = new Uint8Array(64 * 1024)
    const length = writeJsonHeader(out, c)
    expect(length).toBeGreaterThan(0)
    expect(Buffer.from(out.subarray(0, length)).toString("utf8")).toBe(stringified(c))
  })

  it.prop("declines (-1) text it does not handle, and otherwise matches", [Arb.command], ([c]) => {
    const out = new Uint8Array(64 * 1024)
    const length = writeJsonHeader(out, c)
    if (length >= 0) expect(Buffer.from(out.subarray(0, length)).toString("utf8")).toBe(stringified(c))
    else expect([...stringified(c)].some((ch) => ch.charCodeAt(0) > 0x7f)).toBe(true)
  })

  it("declines a header that does not fit, and encodeCommand then takes the general path", () => {
    const big = { ...Arb.sampleHeader, extFields: { k: "v".repeat(70_000) } }
    expect(writeJsonHeader(new Uint8Array(64 * 1024), big)).toBe(-1)
    expect(writeJsonHeader(new Uint8Array(16), Arb.sampleHeader)).toBe(-1)
    const frame = encodeCommand({ ...big, serializeType: "JSON" })
    const headerLength = frame.readInt32BE(4)
    expect(frame.subarray(8, 8 + headerLength).toString("utf8")).toBe(stringified(big))
  })

  it("writes a non-ASCII header through JSON.stringify, as UTF-8", () => {
    const c = { ...Arb.sampleHeader, remark: "brøker 中文 \ud83d\ude00", extFields: { ключ: "значение" } }
    const frame = encodeCommand({ ...c, serializeType: "JSON" })
    const headerLength = frame.readInt32BE(4)
    expect(frame.subarray(8, 8 + headerLength).toString("utf8")).toBe(stringified(c))
  })
})

describe("frame head", () => {
  it.prop("head then body is the frame encodeCommand writes", [Arb.command], ([c]) => {
    const head = encodeFrameHead(c)
    expect(Buffer.concat([head, c.body ?? new Uint8Array(0)])).toEqual(encodeCommand(c))
  })

  it.prop(
    "frame parts make the same bytes; a body from the threshold on is the caller's buffer, not a copy",
    [Arb.command, fc.integer({ min: 0, max: 600 })],
    ([c, threshold]) => {
      const parts = encodeFrameParts(c, threshold)
      const bytes = Buffer.concat([parts.head, parts.body ?? new Uint8Array(0)])
      expect(bytes).toEqual(encodeCommand(c))
      expect(parts.length).toBe(bytes.length)
      const large = c.body !== undefined && c.body.length >= threshold
      expect(parts.body).toBe(large ? c.body : undefined)
    }
  )
})
