import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { writeJsonHeader } from "../../src/protocol/internal/JsonHeaderWriter.js"
import { encodeCommand, encodeFrameHead, encodeFrameParts } from "../../src/protocol/RemotingCommand.js"
import * as Arb from "./arbitraries.js"

/** The header as JSON.stringify writes it: the reference the byte writer must match. */
const stringified = Arb.headerJson

const written = (c: Arb.HeaderFields, size = 64 * 1024, start = 0) => {
  const out = new Uint8Array(size)
  const end = writeJsonHeader(out, start, c)
  return end < 0 ? undefined : Buffer.from(out.subarray(start, end)).toString("utf8")
}

describe("JSON header writer", () => {
  it.prop("writes the bytes JSON.stringify writes, for ASCII text with every escape", [Arb.asciiHeader], ([c]) => {
    expect(written(c)).toBe(stringified(c))
  })

  it.prop("writes the bytes JSON.stringify writes and UTF-8 encodes, for any text", [Arb.command], ([c]) => {
    expect(written(c, 64 * 1024, 3)).toBe(stringified(c))
  })

  it.prop(
    "answers -1 when the buffer may be too small, and what fits is right",
    [Arb.command, fc.integer({ min: 0, max: 2000 })],
    ([c, size]) => {
      const text = written(c, size)
      if (text !== undefined) expect(text).toBe(stringified(c))
      else expect(Buffer.byteLength(stringified(c))).toBeGreaterThan(size / 7 - 100)
    }
  )

  it("writes lone surrogates escaped and pairs as UTF-8, as JSON.stringify does", () => {
    const c = {
      ...Arb.sampleHeader,
      remark: "a\ud800b\udc00c\ud83d\ude00\u2028\u007f",
      extFields: { "\udfff": "\ud800" }
    }
    expect(written(c)).toBe(stringified(c))
  })

  it("writes values of other kinds than declared as JSON.stringify does", () => {
    const c = {
      ...Arb.sampleHeader,
      code: 1.5,
      flag: -3,
      opaque: Number.NaN,
      version: -0,
      extFields: { a: 1, b: true, c: null, d: undefined, e: { x: "é" }, f: [1, "ü"] } as never
    }
    expect(written(c)).toBe(stringified(c))
  })

  it("writes a header larger than a slab, and encodeCommand frames it", () => {
    const big = { ...Arb.sampleHeader, extFields: { k: "v".repeat(70_000), "é": "ü".repeat(40_000) } }
    expect(written(big, 64 * 1024)).toBeUndefined()
    expect(written(Arb.sampleHeader, 16)).toBeUndefined()
    const frame = encodeCommand({ ...big, serializeType: "JSON" })
    const headerLength = frame.readInt32BE(4)
    expect(frame.readInt32BE(0)).toBe(frame.length - 4)
    expect(frame.subarray(8, 8 + headerLength).toString("utf8")).toBe(stringified(big))
  })

  it("frames many headers in a row, across slabs, each with its own bytes", () => {
    const frames = Array.from({ length: 500 }, (_, i) =>
      encodeCommand({
        ...Arb.sampleHeader,
        opaque: i,
        remark: "r".repeat(i * 7),
        body: new Uint8Array(i * 3).fill(i & 255),
        serializeType: "JSON"
      }))
    frames.forEach((frame, i) => {
      const c = { ...Arb.sampleHeader, opaque: i, remark: "r".repeat(i * 7) }
      const headerLength = frame.readInt32BE(4)
      expect(frame.subarray(8, 8 + headerLength).toString("utf8")).toBe(stringified(c))
      expect(frame.subarray(8 + headerLength)).toEqual(Buffer.alloc(i * 3, i & 255))
    })
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
