import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import {
  decodeTraceData,
  encodeTraceData,
  encodeTraceRecord,
  TRACE_MESSAGE_TYPES,
  traceKeys,
  type TraceRecord
} from "../../src/protocol/TraceData.js"

// The expected strings below are written out by hand from Java 4.9.8's `TraceDataEncoder.encoderFromContextBean`
// (client/src/main/java/org/apache/rocketmq/client/trace/TraceDataEncoder.java): each field appended to a
// StringBuilder followed by CONTENT_SPLITOR, (char) 1, the record's last field followed by FIELD_SPLITOR, (char) 2.
// StringBuilder.append prints a null String as "null", a boolean as true/false, an int as its decimal digits, and the
// message type is `bean.getMsgType().ordinal()` (Normal_Msg 0, Trans_Msg_Half 1, Trans_msg_Commit 2, Delay_Msg 3).

const msgId = "0A00000700002A9F0000000000000001"
const offsetMsgId = "7F00000100002A9F00000000000004D2"
const requestId = "0A00000700002A9F00000000000000FF"

describe("trace records in Java's format", () => {
  it("a Pub is type, timestamp, region, group, topic, id, tags, keys, store host, body length, cost, type, offset id, success", () => {
    // SendMessageTraceHookImpl on a SEND_OK of a 5-byte message, tags TagA, keys "k1 k2", 3 ms after the try began.
    const record: TraceRecord = {
      _tag: "Pub",
      timeStamp: 1700000000123,
      regionId: "DefaultRegion",
      groupName: "orders_producer",
      topic: "Orders",
      msgId,
      tags: "TagA",
      keys: "k1 k2",
      storeHost: "127.0.0.1:10911",
      bodyLength: 5,
      costTime: 3,
      msgType: "Normal_Msg",
      offsetMsgId,
      success: true
    }
    expect(encodeTraceRecord(record)).toBe(
      "Pub\u00011700000000123\u0001DefaultRegion\u0001orders_producer\u0001Orders\u0001" + msgId +
        "\u0001TagA\u0001k1 k2\u0001127.0.0.1:10911\u00015\u00013\u00010\u0001" + offsetMsgId + "\u0001true\u0002"
    )
    // Java: transKey is the message id, then the keys split on KEY_SEPARATOR (" ").
    expect(traceKeys(record)).toEqual([msgId, "k1", "k2"])
  })

  it("a Pub of a delayed message with no tags or keys prints Java's nulls and ordinal 3; a failed status is false", () => {
    const record: TraceRecord = {
      _tag: "Pub",
      timeStamp: 1,
      regionId: "DefaultRegion",
      groupName: "g",
      topic: "T",
      msgId,
      tags: undefined,
      keys: undefined,
      storeHost: "10.0.0.1:10911",
      bodyLength: 4096,
      costTime: 0,
      msgType: "Delay_Msg",
      offsetMsgId,
      success: false
    }
    expect(encodeTraceRecord(record)).toBe(
      "Pub\u00011\u0001DefaultRegion\u0001g\u0001T\u0001" + msgId +
        "\u0001null\u0001null\u000110.0.0.1:10911\u00014096\u00010\u00013\u0001" + offsetMsgId + "\u0001false\u0002"
    )
    // Java: keys null, so only the message id.
    expect(traceKeys(record)).toEqual([msgId])
  })

  it("a SubBefore is type, timestamp, region, group, request id, message id, retry times, keys", () => {
    // ConsumeMessageTraceHookImpl.consumeMessageBefore on a message a 4.9 broker stored without MSG_REGION: the region
    // is null and prints "null".
    const record: TraceRecord = {
      _tag: "SubBefore",
      timeStamp: 1700000000200,
      regionId: undefined,
      groupName: "orders_consumer",
      requestId,
      msgId,
      retryTimes: 2,
      keys: "k1 k2"
    }
    expect(encodeTraceRecord(record)).toBe(
      "SubBefore\u00011700000000200\u0001null\u0001orders_consumer\u0001" + requestId + "\u0001" + msgId +
        "\u00012\u0001k1 k2\u0002"
    )
  })

  it("a SubAfter is type, request id, message id, cost, success, keys, context code, then timestamp and group", () => {
    // consumeMessageAfter with AccessChannel.LOCAL (the default): the timestamp and group follow the context code.
    const record: TraceRecord = {
      _tag: "SubAfter",
      requestId,
      msgId,
      costTime: 12,
      success: false,
      keys: "k1 k2",
      contextCode: 4,
      timeStamp: 1700000000212,
      groupName: "orders_consumer"
    }
    expect(encodeTraceRecord(record)).toBe(
      "SubAfter\u0001" + requestId + "\u0001" + msgId +
        "\u000112\u0001false\u0001k1 k2\u00014\u00011700000000212\u0001orders_consumer\u0002"
    )
  })

  it("an EndTransaction is type, timestamp, region, group, topic, id, tags, keys, host, type 2, transaction, state, check", () => {
    const record: TraceRecord = {
      _tag: "EndTransaction",
      timeStamp: 1700000000300,
      regionId: "DefaultRegion",
      groupName: "tx_producer",
      topic: "Orders",
      msgId,
      tags: undefined,
      keys: "order-1",
      storeHost: "127.0.0.1:10911",
      msgType: "Trans_msg_Commit",
      transactionId: msgId,
      transactionState: "COMMIT_MESSAGE",
      fromTransactionCheck: true
    }
    expect(encodeTraceRecord(record)).toBe(
      "EndTransaction\u00011700000000300\u0001DefaultRegion\u0001tx_producer\u0001Orders\u0001" + msgId +
        "\u0001null\u0001order-1\u0001127.0.0.1:10911\u00012\u0001" + msgId + "\u0001COMMIT_MESSAGE\u0001true\u0002"
    )
  })

  it("a trace message's body is its records' text joined, its keys every record's, once each", () => {
    const before: TraceRecord = {
      _tag: "SubBefore",
      timeStamp: 1,
      regionId: undefined,
      groupName: "g",
      requestId,
      msgId,
      retryTimes: 0,
      keys: "k1"
    }
    const after: TraceRecord = {
      _tag: "SubAfter",
      requestId,
      msgId,
      costTime: 1,
      success: true,
      keys: "k1",
      contextCode: 0,
      timeStamp: 2,
      groupName: "g"
    }
    const { data, keys } = encodeTraceData([before, after])
    expect(data).toBe(encodeTraceRecord(before) + encodeTraceRecord(after))
    expect(keys).toEqual([msgId, "k1"])
  })
})

describe("reading trace data as Java's decoderFromTraceDataString does", () => {
  it("reads Java's older layouts: a Pub of 13 fields, a SubAfter of 6 and 7; a 5.x Pub's client host", () => {
    const data =
      "Pub\u00011\u0001R\u0001g\u0001T\u0001id1\u0001null\u0001k\u0001h:1\u00015\u00013\u00011\u0001true\u0002" +
      "SubAfter\u0001req\u0001id2\u00017\u0001false\u0001null\u0002" +
      "SubAfter\u0001req\u0001id3\u00017\u0001true\u0001k\u00012\u0002" +
      "Pub\u00012\u0001R\u0001g\u0001T\u0001id4\u0001t\u0001k\u0001h:1\u00015\u00013\u00010\u0001off\u0001TRUE\u000110.0.0.9\u0002"
    expect(Either.getOrThrow(decodeTraceData(data))).toEqual([
      {
        _tag: "Pub",
        timeStamp: 1,
        regionId: "R",
        groupName: "g",
        topic: "T",
        msgId: "id1",
        tags: undefined,
        keys: "k",
        storeHost: "h:1",
        bodyLength: 5,
        costTime: 3,
        msgType: "Trans_Msg_Half",
        offsetMsgId: "",
        success: true
      },
      {
        _tag: "SubAfter",
        requestId: "req",
        msgId: "id2",
        costTime: 7,
        success: false,
        keys: undefined,
        contextCode: 0
      },
      { _tag: "SubAfter", requestId: "req", msgId: "id3", costTime: 7, success: true, keys: "k", contextCode: 2 },
      {
        _tag: "Pub",
        timeStamp: 2,
        regionId: "R",
        groupName: "g",
        topic: "T",
        msgId: "id4",
        tags: "t",
        keys: "k",
        storeHost: "h:1",
        bodyLength: 5,
        costTime: 3,
        msgType: "Normal_Msg",
        offsetMsgId: "off",
        // Boolean.parseBoolean ignores case.
        success: true,
        clientHost: "10.0.0.9"
      }
    ])
  })

  it("skips records of a type it does not know (5.x's Recall) and empty ones, as Java does", () => {
    const data = "Recall\u00011\u0001R\u0001g\u0001T\u0001id\u0001true\u0002\u0002" +
      "SubBefore\u00011\u0001null\u0001g\u0001req\u0001id\u00010\u0001\u0002"
    expect(Either.getOrThrow(decodeTraceData(data))).toEqual([
      // The keys were an empty string: Java's split drops the trailing empty field; it reads as "".
      {
        _tag: "SubBefore",
        timeStamp: 1,
        regionId: undefined,
        groupName: "g",
        requestId: "req",
        msgId: "id",
        retryTimes: 0,
        keys: ""
      }
    ])
  })

  it("a record with a missing or malformed number is a ProtocolError naming the record and the field", () => {
    const missing = decodeTraceData("SubBefore\u00011\u0001R\u0001g\u0002")
    expect(Either.isLeft(missing) && missing.left.reason).toBe("trace record 0 (SubBefore): field 6 is missing")
    const bad = decodeTraceData(
      encodeTraceRecord({
        _tag: "SubAfter",
        requestId,
        msgId,
        costTime: 1,
        success: true,
        keys: undefined,
        contextCode: 0
      }) + "Pub\u0001soon\u0002"
    )
    expect(Either.isLeft(bad) && bad.left.reason).toBe("trace record 1 (Pub): field 1 is not a number: \"soon\"")
    const type = decodeTraceData(
      "EndTransaction\u00011\u0001R\u0001g\u0001T\u0001id\u0001t\u0001k\u0001h\u00012\u0001x\u0001MAYBE\u0001false\u0002"
    )
    expect(Either.isLeft(type) && type.left.reason).toContain("field 11 is not a transaction state")
  })
})

/** Text that fits in a field: no separators, and never Java's "null", which reads back as a missing value. */
const field = fc.string({ maxLength: 12 }).filter((s) => !s.includes("\u0001") && !s.includes("\u0002") && s !== "null")
const nonEmpty = field.filter((s) => s.length > 0)
const optional = fc.option(nonEmpty, { nil: undefined })
const millis = fc.integer({ min: 0, max: 4_102_444_800_000 })
const count = fc.nat({ max: 1_000_000 })
const msgType = fc.constantFrom(...TRACE_MESSAGE_TYPES)

const pub = fc.record({
  _tag: fc.constant("Pub" as const),
  timeStamp: millis,
  regionId: optional,
  groupName: field,
  topic: field,
  msgId: nonEmpty,
  tags: optional,
  keys: optional,
  storeHost: field,
  bodyLength: count,
  costTime: count,
  msgType,
  offsetMsgId: field,
  success: fc.boolean()
}).chain((record) =>
  fc.option(nonEmpty, { nil: undefined }).map((clientHost) =>
    clientHost === undefined ? record : { ...record, clientHost }
  )
)
const subBefore = fc.record({
  _tag: fc.constant("SubBefore" as const),
  timeStamp: millis,
  regionId: optional,
  groupName: field,
  requestId: field,
  msgId: nonEmpty,
  retryTimes: count,
  keys: optional
})
const subAfter = fc.record({
  _tag: fc.constant("SubAfter" as const),
  requestId: field,
  msgId: nonEmpty,
  costTime: count,
  success: fc.boolean(),
  keys: optional,
  contextCode: fc.integer({ min: 0, max: 4 })
}).chain((record) =>
  fc.option(fc.tuple(millis, nonEmpty), { nil: undefined }).map((tail) =>
    tail === undefined ? record : { ...record, timeStamp: tail[0], groupName: tail[1] }
  )
)
const endTransaction = fc.record({
  _tag: fc.constant("EndTransaction" as const),
  timeStamp: millis,
  regionId: optional,
  groupName: field,
  topic: field,
  msgId: nonEmpty,
  tags: optional,
  keys: optional,
  storeHost: field,
  msgType,
  transactionId: optional,
  transactionState: fc.constantFrom("COMMIT_MESSAGE" as const, "ROLLBACK_MESSAGE" as const, "UNKNOW" as const),
  fromTransactionCheck: fc.boolean()
})
const record: fc.Arbitrary<TraceRecord> = fc.oneof(pub, subBefore, subAfter, endTransaction)

describe("trace data properties", () => {
  it.prop("records encode then decode to themselves, in order", [fc.array(record, { maxLength: 8 })], ([records]) => {
    expect(Either.getOrThrow(decodeTraceData(encodeTraceData(records).data))).toEqual(records)
  })

  it.prop(
    "every record's message id and keys index its trace message, each once",
    [fc.array(record, { maxLength: 8 })],
    ([records]) => {
      const { keys } = encodeTraceData(records)
      expect(new Set(keys).size).toBe(keys.length)
      for (const r of records) {
        expect(keys).toContain(r.msgId)
        for (const key of (r.keys ?? "").split(" ").filter((k) => k.length > 0)) expect(keys).toContain(key)
      }
    }
  )

  it.prop("every record is one line: it ends with FIELD_SPLITOR and holds no other", [record], ([r]) => {
    const text = encodeTraceRecord(r)
    expect(text.endsWith("\u0002")).toBe(true)
    expect(text.indexOf("\u0002")).toBe(text.length - 1)
  })
})
