import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { ConsumerRunningInfo, encodeConsumerRunningInfo } from "../../src/protocol/bodies/ConsumerRunningInfo.js"
import { compressBody } from "../../src/protocol/Compression.js"
import { parseFastJson, stringifyFastJson } from "../../src/protocol/FastJson.js"
import { FrameSplitter } from "../../src/protocol/FrameSplitter.js"
import { ipToBytes, ipToString } from "../../src/protocol/HostAddress.js"
import { decodeBatch, encodeBatch } from "../../src/protocol/MessageBatch.js"
import { decodeMessages, encodeMessageRecord } from "../../src/protocol/MessageDecoder.js"
import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  UniqueIdGenerator,
  uniqueIdHost,
  uniqueIdTimestamp
} from "../../src/protocol/MessageId.js"
import { propertiesToString, stringToProperties, withProperties } from "../../src/protocol/MessageProperties.js"
import { MessageSysFlag } from "../../src/protocol/MessageSysFlag.js"
import { decodeCommand, decodeFrame, encodeCommand } from "../../src/protocol/RemotingCommand.js"
import * as Arb from "./arbitraries.js"

const cutPoints = (length: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }))

describe("codec round trips", () => {
  it.prop("a command encodes then decodes to itself, in both serialize types", [Arb.command], ([command]) => {
    const decoded = Either.getOrThrow(decodeCommand(encodeCommand(command)))
    expect(decoded).toEqual(Arb.normalize(command))
  })

  it.prop("properties write then parse to themselves", [Arb.properties], ([properties]) => {
    expect({ ...stringToProperties(propertiesToString(properties)) }).toEqual(properties)
  })

  it("parsed properties inherit nothing: Object.prototype's names are absent, or plain properties when sent", () => {
    const parsed = stringToProperties(propertiesToString({ KEYS: "k" }))
    expect(parsed["constructor"]).toBeUndefined()
    expect(parsed["toString"]).toBeUndefined()
    expect("hasOwnProperty" in parsed).toBe(false)
    const named = stringToProperties(propertiesToString({ ["__proto__"]: "p", constructor: "c", toString: "t" }))
    expect(Object.entries(named)).toEqual([["__proto__", "p"], ["constructor", "c"], ["toString", "t"]])
    expect(named["__proto__"]).toBe("p")
    expect(Object.entries(withProperties(named, { KEYS: "k" }))).toEqual([...Object.entries(named), ["KEYS", "k"]])
  })

  it.prop(
    "properties with more added: the same names, values and order as an object spread, and the base unchanged",
    [Arb.properties, Arb.properties],
    ([base, extra]) => {
      const parsed = stringToProperties(propertiesToString(base))
      const before = Object.entries(parsed)
      const added = withProperties(parsed, extra)
      expect(Object.entries(added)).toEqual(Object.entries({ ...parsed, ...extra }))
      expect(Object.entries(parsed)).toEqual(before)
    }
  )

  it.prop(
    "a message record encodes then decodes to itself, bodies compressed with zlib or LZ4 included",
    [Arb.messageRecord, fc.constantFrom("none" as const, "ZLIB" as const, "LZ4" as const)],
    ([record, compression]) => {
      const stored = compression === "none" ? record : {
        ...record,
        body: compressBody(compression, record.body),
        sysFlag: record.sysFlag | MessageSysFlag.COMPRESSED |
          (compression === "ZLIB" ? MessageSysFlag.COMPRESSION_ZLIB_TYPE : MessageSysFlag.COMPRESSION_LZ4_TYPE)
      }
      const bytes = Either.getOrThrow(encodeMessageRecord(stored))
      const [decoded] = Either.getOrThrow(decodeMessages(bytes))
      const offsetMsgId = createOffsetMessageId(decoded!.storeHost, record.commitLogOffset)
      expect(decoded).toEqual({
        ...stored,
        body: Buffer.from(record.body),
        bornHost: { ...record.bornHost, host: ipToString(ipToBytes(record.bornHost.host)!) },
        storeHost: { ...record.storeHost, host: ipToString(ipToBytes(record.storeHost.host)!) },
        sysFlag: stored.sysFlag | (record.bornHost.host.includes(":") ? MessageSysFlag.BORNHOST_V6 : 0) |
          (record.storeHost.host.includes(":") ? MessageSysFlag.STOREHOST_V6 : 0),
        properties: decoded!.properties,
        storeSize: bytes.length,
        msgId: record.properties.UNIQ_KEY ?? offsetMsgId,
        offsetMsgId
      })
      expect({ ...decoded!.properties }).toEqual(record.properties)
    }
  )

  it.prop("many records in one body decode in order", [fc.array(Arb.messageRecord, { maxLength: 8 })], ([records]) => {
    const body = Buffer.concat(records.map((r) => Either.getOrThrow(encodeMessageRecord(r))))
    const decoded = Either.getOrThrow(decodeMessages(body))
    expect(decoded.map((m) => m.queueOffset)).toEqual(records.map((r) => r.queueOffset))
  })

  it.prop(
    "a batch encodes then decodes to itself",
    [fc.array(fc.record({ flag: fc.integer(), body: Arb.bytes(300), properties: Arb.properties }), { maxLength: 10 })],
    ([batch]) => {
      const decoded = Either.getOrThrow(decodeBatch(Either.getOrThrow(encodeBatch(batch))))
      expect(decoded.map((e) => ({ ...e, body: Buffer.from(e.body), properties: { ...e.properties } })))
        .toEqual(batch.map((e) => ({ ...e, body: Buffer.from(e.body) })))
    }
  )

  it.prop("the frame splitter yields the same frames however the stream is chunked", [
    fc.array(Arb.command, { minLength: 1, maxLength: 12 }).chain((commands) => {
      const stream = Buffer.concat(commands.map(encodeCommand))
      return fc.tuple(fc.constant(commands), fc.constant(stream), cutPoints(stream.length))
    })
  ], ([[commands, stream, cuts]]) => {
    const splitter = new FrameSplitter()
    const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length]
    const frames: Array<Buffer> = []
    for (let i = 1; i < points.length; i++) {
      frames.push(...Either.getOrThrow(splitter.push(stream.subarray(points[i - 1], points[i]))))
    }
    expect(splitter.pending).toBe(0)
    expect(frames.map((f) => Either.getOrThrow(decodeFrame(f)))).toEqual(commands.map(Arb.normalize))
  })

  it.prop(
    "offset message ids round-trip",
    [Arb.hostAddress, fc.integer({ min: 0, max: 2 ** 53 - 1 })],
    ([host, at]) => {
      const id = createOffsetMessageId(host, at)
      expect(id).toHaveLength(host.host.includes(":") ? 56 : 32)
      const back = Either.getOrThrow(decodeOffsetMessageId(id))
      expect(back.commitLogOffset).toBe(at)
      expect(back.storeHost).toEqual({ host: ipToString(ipToBytes(host.host)!), port: host.port })
    }
  )

  it.prop(
    "a unique message id tells the time it was made and its host",
    [
      Arb.hostAddress,
      fc.integer({ min: 1_600_000_000_000, max: 2_200_000_000_000 }),
      fc.integer({ min: 0, max: 60_000 })
    ],
    ([host, now, later]) => {
      const generator = new UniqueIdGenerator({ ip: ipToBytes(host.host)!, pid: 4242, salt: 7 })
      const id = generator.next(now)
      expect(id).toHaveLength(host.host.includes(":") ? 56 : 32)
      expect(Either.getOrThrow(uniqueIdTimestamp(id, now + later + 1))).toBe(now)
      expect(Either.getOrThrow(uniqueIdHost(id))).toBe(ipToString(ipToBytes(host.host)!))
      expect(generator.next(now)).not.toBe(id)
    }
  )

  it.prop("fastjson's bare integer and object keys parse like quoted keys", [
    fc.dictionary(fc.integer({ min: 0, max: 1000 }).map(String), fc.string())
  ], ([table]) => {
    const written = stringifyFastJson({ brokerAddrs: new Map(Object.entries(table).map(([k, v]) => [Number(k), v])) })
    expect(Either.getOrThrow(parseFastJson(written))).toEqual({ brokerAddrs: table })
  })
})

/** One stored record with the given (already compressed) body and sys flag, on the given host. */
const storedRecord = (body: Uint8Array, sysFlag: number, host: string) =>
  Either.getOrThrow(encodeMessageRecord({
    topic: "T",
    flag: 0,
    properties: {},
    body,
    queueId: 0,
    queueOffset: 0,
    sysFlag,
    bornTimestamp: 0,
    bornHost: { host, port: 1 },
    storeTimestamp: 0,
    storeHost: { host, port: 2 },
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0
  }))

describe("decompression", () => {
  it("decodes a Zstandard body (a frame made by the zstd command-line tool)", () => {
    const zstd = Buffer.from(
      "28b52ffd045885010094027a73746420626f64792c203a2068656c6c6f2066726f6d206120342e392e342b2070726f64756365720100a68b17429db696",
      "hex"
    )
    const record = storedRecord(zstd, MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZSTD_TYPE, "127.0.0.1")
    const [m] = Either.getOrThrow(decodeMessages(record))
    expect(Buffer.from(m!.body).toString()).toBe("zstd body, zstd body, zstd body: hello from a 4.9.4+ producer")
  })

  it("decodes an LZ4 frame made by the lz4 command-line tool", () => {
    const lz4 = Buffer.from("04224d186440a713000000a96c7a3420626f64792c200a005020626f6479000000008f247a36", "hex")
    const record = storedRecord(lz4, MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_LZ4_TYPE, "::1")
    const [m] = Either.getOrThrow(decodeMessages(record))
    expect(Buffer.from(m!.body).toString()).toBe("lz4 body, lz4 body, lz4 body")
    expect(m!.storeHost).toEqual({ host: "::1", port: 2 })
  })

  it("a corrupt compressed body is a ProtocolError at the body's offset", () => {
    const record = storedRecord(Buffer.from("not zlib at all"), MessageSysFlag.COMPRESSED, "127.0.0.1")
    const result = decodeMessages(record)
    expect(Either.isLeft(result) && result.left.reason).toContain("ZLIB body does not decompress")
    expect(Either.isLeft(result) && result.left.offset).toBe(record.length - 2 - 1 - 1 - 15)
  })
})

describe("consumer running info", () => {
  it.prop("is written with MessageQueue object keys and read back", [
    fc.array(fc.record({ topic: fc.string(), brokerName: fc.string(), queueId: fc.nat(64) }), { maxLength: 5 })
  ], ([queues]) => {
    const unique = [...new Map(queues.map((q) => [JSON.stringify(q), q])).values()]
    const info = {
      properties: { consumeType: "CONSUME_PASSIVELY" },
      subscriptionSet: [],
      statusTable: {},
      mqTable: unique.map((q) => ({
        messageQueue: { brokerName: q.brokerName, queueId: q.queueId, topic: q.topic },
        info: {
          cachedMsgCount: 1,
          cachedMsgMaxOffset: 2,
          cachedMsgMinOffset: 1,
          cachedMsgSizeInMiB: 0,
          commitOffset: 1,
          droped: false,
          lastConsumeTimestamp: 0,
          lastLockTimestamp: 0,
          lastPullTimestamp: 0,
          locked: false,
          transactionMsgCount: 0,
          transactionMsgMaxOffset: 0,
          transactionMsgMinOffset: 0,
          tryUnlockTimes: 0
        }
      }))
    }
    const body = encodeConsumerRunningInfo(info)
    if (unique.length > 0) expect(body.toString()).toContain("\"mqTable\":{{\"brokerName\"")
    expect(Either.getOrThrow(decodeBody(ConsumerRunningInfo, body))).toEqual(info)
  })
})
