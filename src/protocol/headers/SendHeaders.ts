import type * as Schema from "effect/Schema"
import { commandHeader, field } from "./CommandHeader.js"

/** The fields a send header and a pushed reply's header share, with Java's long names. */
const messageFields = {
  producerGroup: field.string(),
  topic: field.string(),
  defaultTopic: field.string(),
  defaultTopicQueueNums: field.int(),
  queueId: field.int(),
  sysFlag: field.int(),
  bornTimestamp: field.long(),
  flag: field.int(),
  properties: field.optional(field.string()),
  reconsumeTimes: field.optional(field.int()),
  unitMode: field.optional(field.boolean())
}

const sendFields = {
  ...messageFields,
  batch: field.optional(field.boolean()),
  maxReconsumeTimes: field.optional(field.int())
}

/**
 * Header of SEND_MESSAGE (10) with Java's long field names (Java: `SendMessageRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const SendMessageRequestHeader = commandHeader("SendMessageRequestHeader", sendFields)

/**
 * A send request header, the same whichever wire form carried it.
 *
 * @since 0.1.0
 * @category headers
 */
export type SendMessageRequestHeader = Schema.Schema.Type<typeof SendMessageRequestHeaderV2>

/**
 * Header of SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and SEND_REPLY_MESSAGE_V2 (325): the fields of
 * {@link SendMessageRequestHeader} under one-letter keys a..n (Java: `SendMessageRequestHeaderV2`), decoded to the
 * long names. `brokerName` (n) is new in 4.9.8.
 *
 * @since 0.1.0
 * @category headers
 */
export const SendMessageRequestHeaderV2 = commandHeader("SendMessageRequestHeaderV2", {
  producerGroup: field.string("a"),
  topic: field.string("b"),
  defaultTopic: field.string("c"),
  defaultTopicQueueNums: field.int("d"),
  queueId: field.int("e"),
  sysFlag: field.int("f"),
  bornTimestamp: field.long("g"),
  flag: field.int("h"),
  properties: field.optional(field.string("i")),
  reconsumeTimes: field.optional(field.int("j")),
  unitMode: field.optional(field.boolean("k")),
  maxReconsumeTimes: field.optional(field.int("l")),
  batch: field.optional(field.boolean("m")),
  brokerName: field.optional(field.string("n"))
})

/**
 * Response header of a send (Java: `SendMessageResponseHeader`); `msgId` is the offset message id, or for a batch
 * the offset message ids joined by commas.
 *
 * @since 0.1.0
 * @category headers
 */
export const SendMessageResponseHeader = commandHeader("SendMessageResponseHeader", {
  msgId: field.string(),
  queueId: field.int(),
  queueOffset: field.long(),
  transactionId: field.optional(field.string())
})

/**
 * Header of CONSUMER_SEND_MSG_BACK (36) (Java: `ConsumerSendMsgBackRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ConsumerSendMsgBackRequestHeader = commandHeader("ConsumerSendMsgBackRequestHeader", {
  offset: field.long(),
  group: field.string(),
  delayLevel: field.int(),
  originMsgId: field.optional(field.string()),
  originTopic: field.optional(field.string()),
  unitMode: field.optional(field.boolean()),
  maxReconsumeTimes: field.optional(field.int()),
  bname: field.optional(field.string())
})

/**
 * Header of PUSH_REPLY_MESSAGE_TO_CLIENT (326), which a broker sends the client a reply is for (Java:
 * `ReplyMessageRequestHeader`): the reply's send header as its replier sent it, its properties with PUSH_REPLY_TIME
 * added, and where the reply came from and was stored (`ip:port`). The body is the reply's body as sent (compressed
 * when `sysFlag` says so).
 *
 * @since 0.1.0
 * @category headers
 */
export const ReplyMessageRequestHeader = commandHeader("ReplyMessageRequestHeader", {
  ...messageFields,
  bornHost: field.string(),
  storeHost: field.string(),
  storeTimestamp: field.long()
})

/**
 * A reply message header as decoded.
 *
 * @since 0.1.0
 * @category headers
 */
export type ReplyMessageRequestHeader = Schema.Schema.Type<typeof ReplyMessageRequestHeader>
