import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeBatch, encodeBatch } from "../../src/protocol/MessageBatch.js"
import { decodeMessages, encodeMessageRecord, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { createOffsetMessageId, decodeOffsetMessageId, uniqueIdTimestamp } from "../../src/protocol/MessageId.js"
import { decodeCommand } from "../../src/protocol/RemotingCommand.js"
import { allFrames as frames4, allFrames5, type CapturedMessage } from "../fixtures.js"

const allFrames = [...frames4, ...allFrames5]

const withMessages = allFrames.filter((f) => f.messages !== undefined)
const bodyOf = (hex: string): Uint8Array => Either.getOrThrow(decodeCommand(Buffer.from(hex, "hex"))).body!

/** The length of a record's properties, read from its tail: topic and properties follow the body. */
const propertiesBytes = (record: Buffer): number => {
  const sysFlag = record.readInt32BE(36)
  const hostBytes = (v6: boolean) => (v6 ? 16 : 4) + 4
  const bodyLengthAt = 48 + hostBytes((sysFlag & 0x10) !== 0) + 8 + hostBytes((sysFlag & 0x20) !== 0) + 4 + 8
  const bodyLength = record.readInt32BE(bodyLengthAt)
  const topicAt = bodyLengthAt + 4 + bodyLength
  const propertiesAt = topicAt + 1 + record.readInt8(topicAt)
  return record.length - propertiesAt - 2
}

const expectSameMessage = (actual: MessageExt, expected: CapturedMessage) => {
  expect(actual.storeSize).toBe(expected.totalSize)
  expect((actual.magicCode >>> 0).toString(16)).toBe(expected.magic.slice(2))
  expect(actual.bodyCRC).toBe(expected.bodyCRC)
  expect(actual.queueId).toBe(expected.queueId)
  expect(actual.flag).toBe(expected.flag)
  expect(actual.queueOffset).toBe(expected.queueOffset)
  expect(actual.commitLogOffset).toBe(expected.commitLogOffset)
  expect(actual.sysFlag).toBe(expected.sysFlag)
  expect(actual.bornTimestamp).toBe(expected.bornTimestamp)
  expect(`${actual.bornHost.host}:${actual.bornHost.port}`).toBe(expected.bornHost)
  expect(actual.storeTimestamp).toBe(expected.storeTimestamp)
  expect(`${actual.storeHost.host}:${actual.storeHost.port}`).toBe(expected.storeHost)
  expect(actual.reconsumeTimes).toBe(expected.reconsumeTimes)
  expect(actual.preparedTransactionOffset).toBe(expected.preparedTransactionOffset)
  expect(actual.topic).toBe(expected.topic)
  expect({ ...actual.properties }).toEqual(expected.properties)
  const text = Buffer.from(actual.body).toString("utf8")
  if (expected.body.utf8 !== undefined) expect(text).toBe(expected.body.utf8)
  if (expected.body.utf8Prefix !== undefined) expect(text.startsWith(expected.body.utf8Prefix)).toBe(true)
  if (expected.body.length !== undefined) expect(actual.body.length).toBe(expected.body.length)
  expect(actual.msgId).toBe(expected.properties.UNIQ_KEY)
}

describe("message records of captured pull responses and transaction checks", () => {
  it("the captures hold compressed and uncompressed records", () => {
    const all = withMessages.flatMap((f) => f.messages!)
    expect(all.some((m) => (m.sysFlag & 1) === 1)).toBe(true)
    expect(all.some((m) => (m.sysFlag & 1) === 0)).toBe(true)
  })

  it.each(withMessages.map((f) => [`${f.file}:${f.line}`, f] as const))("%s decodes to the listed messages", (_, f) => {
    const messages = Either.getOrThrow(decodeMessages(bodyOf(f.hex)))
    expect(messages).toHaveLength(f.messages!.length)
    messages.forEach((m, i) => expectSameMessage(m, f.messages![i]!))
  })

  it.each(withMessages.map((f) => [`${f.file}:${f.line}`, f] as const))(
    "%s re-encodes record by record to the same bytes (a property name the broker stored twice, once)",
    (_, f) => {
      const body = Buffer.from(bodyOf(f.hex))
      const raw = Either.getOrThrow(decodeMessages(body, { decompress: false }))
      let offset = 0
      for (const m of raw) {
        const original = body.subarray(offset, offset + m.storeSize)
        offset += m.storeSize
        const again = Either.getOrThrow(encodeMessageRecord(m))
        const [back] = Either.getOrThrow(decodeMessages(again, { decompress: false }))
        expect({ ...back!, storeSize: 0 }).toEqual({ ...m, storeSize: 0 })
        const propertiesLength = propertiesBytes(original)
        const names = original.subarray(original.length - propertiesLength).toString("utf8").split("\u0002")
          .map((kv) => kv.split("\u0001")[0])
        if (new Set(names).size === names.length) expect(again.toString("hex")).toBe(original.toString("hex"))
        else expect(again.length).toBeLessThan(original.length)
      }
    }
  )

  it("offset message ids round-trip through the store host and commit-log offset", () => {
    const [m] = Either.getOrThrow(decodeMessages(bodyOf(withMessages[0]!.hex)))
    expect(m!.offsetMsgId).toHaveLength(32)
    expect(Either.getOrThrow(decodeOffsetMessageId(m!.offsetMsgId))).toEqual({
      storeHost: m!.storeHost,
      commitLogOffset: m!.commitLogOffset
    })
    expect(createOffsetMessageId({ host: "fd00::2", port: 10911 }, 1504)).toHaveLength(56)
  })

  it("the CHECK_TRANSACTION_STATE offsetMsgId matches the record it carries", () => {
    const check = withMessages.find((f) => f.header.code === 39)!
    const [m] = Either.getOrThrow(decodeMessages(bodyOf(check.hex)))
    expect(m!.offsetMsgId).toBe(check.header.extFields!.offsetMsgId)
  })

  it("a unique message id gives back the time it was made", () => {
    for (const f of withMessages) {
      for (const m of f.messages!) {
        const at = Either.getOrThrow(uniqueIdTimestamp(m.properties.UNIQ_KEY!, m.storeTimestamp + 1000))
        // Java computes the span from the month's start at send time: within a few ms of the born timestamp.
        expect(Math.abs(at - m.bornTimestamp)).toBeLessThan(50)
      }
    }
  })
})

describe("the captured SEND_BATCH_MESSAGE body", () => {
  const batches = allFrames.filter((f) => f.header.code === 320 && (f.header.flag & 1) === 0)

  it.each(batches.map((f) => [`${f.file}:${f.line}`, f] as const))("%s decodes and re-encodes identically", (_, f) => {
    const body = bodyOf(f.hex)
    const entries = Either.getOrThrow(decodeBatch(body))
    const keys = f.file === "produce5.jsonl" ? ["BATCH5-0", "BATCH5-1"] : ["BATCH-0", "BATCH-1", "BATCH-2"]
    expect(entries.map((e) => e.properties.KEYS)).toEqual(keys)
    expect(Either.getOrThrow(encodeBatch(entries)).toString("hex")).toBe(Buffer.from(body).toString("hex"))
  })
})
