import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { HeartbeatData } from "../../src/protocol/bodies/HeartbeatData.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { parseFastJson } from "../../src/protocol/FastJson.js"
import { FrameSplitter } from "../../src/protocol/FrameSplitter.js"
import { decodeBatch, encodeBatch } from "../../src/protocol/MessageBatch.js"
import { decodeMessages, encodeMessageRecord } from "../../src/protocol/MessageDecoder.js"
import { decodeOffsetMessageId, uniqueIdTimestamp } from "../../src/protocol/MessageId.js"
import { ProtocolError } from "../../src/protocol/ProtocolError.js"
import { decodeCommand, decodeFrame, encodeCommand } from "../../src/protocol/RemotingCommand.js"
import * as Arb from "./arbitraries.js"

/** The outcome of decoding bad input: a value or a typed ProtocolError, and never a throw. */
const settles = (result: Either.Either<unknown, ProtocolError>) => {
  expect(Either.isEither(result)).toBe(true)
  if (Either.isLeft(result)) {
    expect(result.left).toBeInstanceOf(ProtocolError)
    expect(typeof result.left.reason).toBe("string")
  }
}

const fuzzRuns = { fastCheck: { numRuns: 500 } }

describe("arbitrary and truncated input never throws or hangs", () => {
  it.prop(
    "arbitrary bytes through the splitter and the frame decoder",
    [Arb.bytes(2048), fc.nat(64)],
    ([input, chunk]) => {
      const splitter = new FrameSplitter(4096)
      const size = chunk + 1
      for (let i = 0; i < input.length; i += size) {
        const frames = splitter.push(input.subarray(i, i + size))
        settles(frames)
        if (Either.isRight(frames)) { for (const f of frames.right) settles(decodeFrame(f)) }
      }
    },
    fuzzRuns
  )

  it.prop("arbitrary bytes after a valid frame header", [Arb.bytes(512), fc.integer({ min: 0, max: 0xffffff })], (
    [tail, headerLength]
  ) => {
    for (const type of [0, 1, 2]) {
      const frame = Buffer.concat([Buffer.alloc(4), Buffer.from(tail)])
      frame.writeInt32BE((type << 24) | headerLength, 0)
      settles(decodeFrame(frame))
    }
  }, fuzzRuns)

  it.prop("truncated commands", [Arb.command, fc.nat()], ([command, cut]) => {
    const bytes = encodeCommand(command)
    const at = cut % bytes.length
    const result = decodeCommand(bytes.subarray(0, at))
    expect(Either.isLeft(result)).toBe(true)
    settles(result)
  })

  it.prop("truncated or bit-flipped command frames", [Arb.command, fc.nat(), fc.nat(255)], ([command, at, mask]) => {
    const frame = Buffer.from(encodeCommand(command).subarray(4))
    const i = at % frame.length
    frame[i] = frame[i]! ^ (mask | 1)
    settles(decodeFrame(frame))
    settles(decodeFrame(frame.subarray(0, i)))
  })

  it.prop("arbitrary, truncated and bit-flipped message bodies", [
    Arb.messageRecord,
    fc.nat(),
    fc.nat(255),
    Arb.bytes()
  ], (
    [record, at, mask, noise]
  ) => {
    const bytes = Buffer.from(Either.getOrThrow(encodeMessageRecord(record)))
    const i = at % bytes.length
    settles(decodeMessages(bytes.subarray(0, i)))
    bytes[i] = bytes[i]! ^ (mask | 1)
    settles(decodeMessages(bytes))
    settles(decodeMessages(noise))
  })

  it.prop("arbitrary and truncated batch bodies", [Arb.bytes(), fc.nat()], ([noise, at]) => {
    settles(decodeBatch(noise))
    const batch = Either.getOrThrow(encodeBatch([{ flag: 0, body: noise, properties: { KEYS: "k" } }]))
    const result = decodeBatch(batch.subarray(0, at % batch.length))
    settles(result)
  })

  it.prop("arbitrary text as JSON bodies", [fc.string({ maxLength: 300 })], ([text]) => {
    settles(parseFastJson(text))
    settles(decodeBody(TopicRouteData, Buffer.from(text)))
    settles(decodeBody(HeartbeatData, Buffer.from(text)))
  }, fuzzRuns)

  it.prop("arbitrary message ids", [fc.string({ maxLength: 64 })], ([id]) => {
    settles(decodeOffsetMessageId(id))
    settles(uniqueIdTimestamp(id, Date.now()))
  })

  it("deeply nested JSON is refused, not a stack overflow", () => {
    const deep = "[".repeat(100_000) + "{0:1}" + "]".repeat(100_000)
    const result = parseFastJson(deep)
    expect(Either.isLeft(result) && result.left.reason).toContain("nesting deeper")
  })

  it("an oversize frame is refused at its offset, and the splitter stays failed", () => {
    const splitter = new FrameSplitter(1024)
    const ok = encodeCommand({
      code: 1,
      language: "JAVA",
      version: 409,
      opaque: 1,
      flag: 0,
      serializeType: "JSON"
    })
    const big = Buffer.alloc(8)
    big.writeInt32BE(2000, 0)
    const result = splitter.push(Buffer.concat([ok, big]))
    expect(Either.isLeft(result) && result.left.offset).toBe(ok.length)
    expect(Either.isLeft(result) && result.left.reason).toContain("exceeds the maximum of 1024")
    expect(Either.isLeft(splitter.push(ok))).toBe(true)
  })

  it("a JSON header that does not parse is a ProtocolError at the header's offset", () => {
    const header = Buffer.from("{\"code\":10,")
    const frame = Buffer.concat([Buffer.alloc(4), header])
    frame.writeInt32BE(header.length, 0)
    const result = decodeFrame(frame)
    expect(Either.isLeft(result) && result.left.reason).toContain("JSON header does not parse")
    expect(Either.isLeft(result) && result.left.offset).toBe(4)
  })

  it("a length below 4 is malformed", () => {
    const result = new FrameSplitter().push(Buffer.from([0, 0, 0, 2, 1, 1]))
    expect(Either.isLeft(result) && result.left.reason).toContain("below the minimum")
  })
})
