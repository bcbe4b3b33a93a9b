import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { fuzzFrame } from "../../bench/FrameMutations.js"
import { run as fuzz } from "../../bench/fuzz.js"
import { loadSeeds } from "../../bench/FuzzSeeds.js"
import { runSync } from "../../bench/FuzzTargets.js"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { HeartbeatData } from "../../src/protocol/bodies/HeartbeatData.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { parseFastJson } from "../../src/protocol/FastJson.js"
import { FrameSplitter } from "../../src/protocol/FrameSplitter.js"
import { decodeBatch, encodeBatch } from "../../src/protocol/MessageBatch.js"
import { decodeMessages, encodeMessageRecord, type MessageRecord } from "../../src/protocol/MessageDecoder.js"
import { decodeOffsetMessageId, uniqueIdTimestamp } from "../../src/protocol/MessageId.js"
import { MessageSysFlag } from "../../src/protocol/MessageSysFlag.js"
import { ProtocolError } from "../../src/protocol/ProtocolError.js"
import { decodeCommand, decodeFrame, decodeFrameOrError, encodeCommand } from "../../src/protocol/RemotingCommand.js"
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

describe("mutations of the captured frames (the fuzz program, bench/fuzz.ts, in small)", () => {
  const seeds = loadSeeds()

  it.prop("a random or mutated frame is read and decoded to values or typed errors, the same way everywhere", [
    fc.integer(),
    fc.nat(1_000_000)
  ], ([seed, index]) => {
    for (const target of ["splitter", "decoders"] as const) {
      const tally = runSync(target, seeds, seed, index, index + 1, 5000)
      expect(tally.crashes, tally.firstCrash?.what).toBe(0)
      expect(tally.mismatches, tally.firstMismatch?.what).toBe(0)
    }
  }, { fastCheck: { numRuns: 200 } })

  it("inputs depend on the seed and the index alone", () => {
    const a = fuzzFrame(seeds, 42, 1234)
    expect(fuzzFrame(seeds, 42, 1234)).toEqual(a)
    expect(fuzzFrame(seeds, 43, 1234).bytes.equals(a.bytes)).toBe(false)
  })

  it("2,000 frames through the splitter and the decoders and 200 through a live connection: no crash, hang or mismatch", async () => {
    const lines: Array<string> = []
    const report = await fuzz({
      frames: 2000,
      liveFrames: 200,
      seed: 20_260_601,
      hangMillis: 5000,
      log: (l) => lines.push(l)
    })
    expect(report.failed, lines.join("\n")).toBe(false)
    expect(report.tallies.map((t) => t.frames)).toEqual([2000, 2000, 200])
    expect(report.live!.calls).toBeGreaterThanOrEqual(200)
    expect(report.live!.openConnectionsAfter).toBeLessThanOrEqual(16)
  })
})

describe("what the fuzz program found", () => {
  const record = (body: Buffer, sysFlag: number): MessageRecord => ({
    topic: "T",
    flag: 0,
    properties: {},
    body,
    queueId: 0,
    queueOffset: 0,
    sysFlag,
    bornTimestamp: 0,
    bornHost: { host: "127.0.0.1", port: 1 },
    storeTimestamp: 0,
    storeHost: { host: "127.0.0.1", port: 2 },
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0
  })
  const lz4 = MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_LZ4_TYPE

  it("an LZ4 body whose block claims more than its frame allows is refused at once (lz4js filled 358 MB in 9 s)", () => {
    // A 16-byte stored block, then a header claiming a stored block of 0x15585c00 bytes (found by seed 1, input 15415).
    const body = Buffer.from("04224d184070df1000008068c3a96c6c6f2de4ba8ce8bf9be588b6005c5895", "hex")
    const started = performance.now()
    const result = decodeMessages(Either.getOrThrow(encodeMessageRecord(record(body, lz4))))
    expect(Either.isLeft(result) && result.left.reason).toContain("over the frame's maximum of 4194304")
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it("an LZ4 block running past the end of its frame is refused; a whole frame still decodes", () => {
    const header = "04224d184070df"
    const past = Buffer.from(`${header}00001080` + "00".repeat(16), "hex")
    const result = decodeMessages(Either.getOrThrow(encodeMessageRecord(record(past, lz4))))
    expect(Either.isLeft(result) && result.left.reason).toContain("runs past the end of the frame")
    const whole = Buffer.from(`${header}05000080` + "68656c6c6f" + "00000000", "hex")
    const decoded = Either.getOrThrow(decodeMessages(Either.getOrThrow(encodeMessageRecord(record(whole, lz4)))))
    expect(Buffer.from(decoded[0]!.body).toString()).toBe("hello")
  })

  it("a binary header's error gives the same positions wherever its frame lies in a chunk (the transport's case)", () => {
    const frame = Buffer.from(
      "010000000000000000130005746f7069630000000842696e546f706963000000130005746f7069630000000842696e546f7069630926650ce3e6642397d12fc36bda7c9a6940bf39",
      "hex"
    )
    const alone = decodeFrame(frame)
    expect(Either.isLeft(alone) && alone.left.reason).toBe("binary header ends at 52, expected 4")
    const chunk = Buffer.concat([Buffer.alloc(11), frame])
    const inPlace = decodeFrameOrError(chunk, 11, 0, chunk.length)
    expect(inPlace).toBeInstanceOf(ProtocolError)
    expect((inPlace as ProtocolError).reason).toBe("binary header ends at 52, expected 4")
    expect((inPlace as ProtocolError).offset).toBe(52)
  })
})
