import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import * as Client from "../../src/protocol/headers/ClientHeaders.js"
import { type CommandHeader, decodeHeader, encodeHeader } from "../../src/protocol/headers/CommandHeader.js"
import * as Consume from "../../src/protocol/headers/ConsumeHeaders.js"
import * as Pop from "../../src/protocol/headers/PopHeaders.js"
import * as Send from "../../src/protocol/headers/SendHeaders.js"
import * as Tx from "../../src/protocol/headers/TransactionHeaders.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { allFrames as frames4, allFrames5 } from "../fixtures.js"
import { decodeByReference, encodeByReference } from "./headerReference.js"

type AnyHeader = CommandHeader<unknown>

const requestHeaders: Record<number, AnyHeader> = {
  [RequestCode.SEND_MESSAGE_V2]: Send.SendMessageRequestHeaderV2 as AnyHeader,
  [RequestCode.SEND_BATCH_MESSAGE]: Send.SendMessageRequestHeaderV2 as AnyHeader,
  [RequestCode.CONSUMER_SEND_MSG_BACK]: Send.ConsumerSendMsgBackRequestHeader as AnyHeader,
  [RequestCode.PULL_MESSAGE]: Consume.PullMessageRequestHeader as AnyHeader,
  [RequestCode.QUERY_CONSUMER_OFFSET]: Consume.QueryConsumerOffsetRequestHeader as AnyHeader,
  [RequestCode.UPDATE_CONSUMER_OFFSET]: Consume.UpdateConsumerOffsetRequestHeader as AnyHeader,
  [RequestCode.GET_MAX_OFFSET]: Consume.GetMaxOffsetRequestHeader as AnyHeader,
  [RequestCode.GET_MIN_OFFSET]: Consume.GetMinOffsetRequestHeader as AnyHeader,
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP]: Consume.SearchOffsetRequestHeader as AnyHeader,
  [RequestCode.GET_ROUTEINFO_BY_TOPIC]: Client.GetRouteInfoRequestHeader as AnyHeader,
  [RequestCode.UNREGISTER_CLIENT]: Client.UnregisterClientRequestHeader as AnyHeader,
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP]: Client.GetConsumerListByGroupRequestHeader as AnyHeader,
  [RequestCode.NOTIFY_CONSUMER_IDS_CHANGED]: Client.NotifyConsumerIdsChangedRequestHeader as AnyHeader,
  [RequestCode.END_TRANSACTION]: Tx.EndTransactionRequestHeader as AnyHeader,
  [RequestCode.CHECK_TRANSACTION_STATE]: Tx.CheckTransactionStateRequestHeader as AnyHeader,
  [RequestCode.POP_MESSAGE]: Pop.PopMessageRequestHeader as AnyHeader,
  [RequestCode.ACK_MESSAGE]: Pop.AckMessageRequestHeader as AnyHeader,
  [RequestCode.CHANGE_MESSAGE_INVISIBLETIME]: Pop.ChangeInvisibleTimeRequestHeader as AnyHeader
}

const responseHeaders: Record<number, AnyHeader> = {
  [RequestCode.SEND_MESSAGE_V2]: Send.SendMessageResponseHeader as AnyHeader,
  [RequestCode.SEND_BATCH_MESSAGE]: Send.SendMessageResponseHeader as AnyHeader,
  [RequestCode.PULL_MESSAGE]: Consume.PullMessageResponseHeader as AnyHeader,
  [RequestCode.QUERY_CONSUMER_OFFSET]: Consume.QueryConsumerOffsetResponseHeader as AnyHeader,
  [RequestCode.GET_MAX_OFFSET]: Consume.OffsetResponseHeader as AnyHeader,
  [RequestCode.GET_MIN_OFFSET]: Consume.OffsetResponseHeader as AnyHeader,
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP]: Consume.OffsetResponseHeader as AnyHeader,
  [RequestCode.POP_MESSAGE]: Pop.PopMessageResponseHeader as AnyHeader,
  [RequestCode.CHANGE_MESSAGE_INVISIBLETIME]: Pop.ChangeInvisibleTimeResponseHeader as AnyHeader
}

const allFrames = [...frames4, ...allFrames5]

const cases = allFrames.flatMap((f) => {
  const isResponse = (f.header.flag & 1) === 1
  const schema = isResponse
    ? (f.header.code === 0 ? responseHeaders[f.requestCode] : undefined)
    : requestHeaders[f.header.code]
  return schema === undefined
    ? []
    : [[`${f.file}:${f.line} (${f.requestCode}${isResponse ? " response" : ""})`, f, schema] as const]
})

describe("typed command headers on the captured frames", () => {
  it("cover every request code the captures hold a header for", () => {
    const codes = new Set(cases.map(([, f]) => f.requestCode))
    for (const code of [310, 320, 36, 11, 14, 15, 29, 30, 31, 35, 37, 38, 39, 40, 105, 200050, 200051, 200053]) {
      expect(codes.has(code)).toBe(true)
    }
  })

  it.each(cases)("%s decodes and encodes back to the same extFields, as Effect's field Schemas do", (_, f, schema) => {
    const header = Either.getOrThrow(decodeHeader(schema, f.header.extFields))
    expect(header).toEqual(Either.getOrThrow(decodeByReference(schema, f.header.extFields ?? {})))
    expect(Either.getOrThrow(encodeHeader(schema, header))).toEqual(f.header.extFields ?? {})
    expect(Either.getOrThrow(Schema.encodeEither(schema)(header))).toEqual(f.header.extFields ?? {})
  })

  const fieldText = fc.oneof(
    fc.constantFrom("0", "7", "-3", "007", "+1", "1e3", " 1", "1.5", "", "true", "false", "TRUE", "9007199254740993"),
    fc.string({ maxLength: 6 })
  )
  it.prop("the codec accepts and yields exactly what Effect's field Schemas do, field by field", [
    fc.constantFrom(...cases).chain(([, f, schema]) => {
      const ext = f.header.extFields ?? {}
      return fc.tuple(fc.constant(schema), fc.constant(ext), fc.constantFrom("_none_", ...Object.keys(ext)), fieldText)
    })
  ], ([[schema, ext, key, value]]) => {
    const mutated = { ...ext }
    if (key !== "_none_") mutated[key] = value
    const decoded = decodeHeader(schema, mutated)
    const reference = decodeByReference(schema, mutated)
    expect(Either.isRight(decoded)).toBe(Either.isRight(reference))
    if (Either.isRight(decoded) && Either.isRight(reference)) {
      expect(decoded.right).toEqual(reference.right)
      expect(encodeHeader(schema, decoded.right)).toEqual(encodeByReference(schema, reference.right))
    }
  }, { fastCheck: { numRuns: 1000 } })

  it("SEND_MESSAGE_V2 decodes its short keys to the long names", () => {
    const f = allFrames.find((f) => f.file === "produce.jsonl" && f.header.code === 310)!
    const header = Either.getOrThrow(decodeHeader(Send.SendMessageRequestHeaderV2, f.header.extFields))
    expect(header).toMatchObject({
      producerGroup: "fixture_producer_group",
      topic: "TestTopic",
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      sysFlag: 0,
      flag: 0,
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      brokerName: "broker-a"
    })
    expect(header.properties).toContain("KEYS\u0001KEY-1 KEY-2")
  })

  it("fields a header does not know are kept in extra and written back", () => {
    const f = allFrames.find((f) => f.header.code === 11 && f.header.extFields?.ReqT !== undefined)!
    const header = Either.getOrThrow(decodeHeader(Consume.PullMessageRequestHeader, f.header.extFields))
    expect(header.extra).toEqual({ ReqT: "0" })
    expect(header.bname).toBe("broker-a")
    expect(Either.getOrThrow(encodeHeader(Consume.PullMessageRequestHeader, header)).ReqT).toBe("0")
  })

  it("a missing required field is a parse error naming it", () => {
    const result = decodeHeader(Consume.PullMessageRequestHeader, { topic: "T" })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.message).toContain("consumerGroup")
  })

  it("a field that is not a number is a parse error", () => {
    const result = decodeHeader(Consume.GetMaxOffsetRequestHeader, { topic: "T", queueId: "x" })
    expect(Either.isLeft(result)).toBe(true)
  })
})
