import { Schema } from "effect"
import { BooleanField, commandHeader, IntField, LongField } from "./CommandHeader.js"

const sendFields = {
  producerGroup: Schema.String,
  topic: Schema.String,
  defaultTopic: Schema.String,
  defaultTopicQueueNums: IntField,
  queueId: IntField,
  sysFlag: IntField,
  bornTimestamp: LongField,
  flag: IntField,
  properties: Schema.optional(Schema.String),
  reconsumeTimes: Schema.optional(IntField),
  unitMode: Schema.optional(BooleanField),
  batch: Schema.optional(BooleanField),
  maxReconsumeTimes: Schema.optional(IntField)
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

const short = <S extends Schema.Schema.All>(schema: S, key: string) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))
const shortOptional = <S extends Schema.Schema.All>(schema: S, key: string) =>
  Schema.optional(schema).pipe(Schema.fromKey(key))

/**
 * Header of SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and SEND_REPLY_MESSAGE_V2 (325): the fields of
 * {@link SendMessageRequestHeader} under one-letter keys a..n (Java: `SendMessageRequestHeaderV2`), decoded to the
 * long names. `brokerName` (n) is new in 4.9.8.
 *
 * @since 0.1.0
 * @category headers
 */
export const SendMessageRequestHeaderV2 = commandHeader("SendMessageRequestHeaderV2", {
  producerGroup: short(Schema.String, "a"),
  topic: short(Schema.String, "b"),
  defaultTopic: short(Schema.String, "c"),
  defaultTopicQueueNums: short(IntField, "d"),
  queueId: short(IntField, "e"),
  sysFlag: short(IntField, "f"),
  bornTimestamp: short(LongField, "g"),
  flag: short(IntField, "h"),
  properties: shortOptional(Schema.String, "i"),
  reconsumeTimes: shortOptional(IntField, "j"),
  unitMode: shortOptional(BooleanField, "k"),
  maxReconsumeTimes: shortOptional(IntField, "l"),
  batch: shortOptional(BooleanField, "m"),
  brokerName: shortOptional(Schema.String, "n")
})

/**
 * Response header of a send (Java: `SendMessageResponseHeader`); `msgId` is the offset message id, or for a batch
 * the offset message ids joined by commas.
 *
 * @since 0.1.0
 * @category headers
 */
export const SendMessageResponseHeader = commandHeader("SendMessageResponseHeader", {
  msgId: Schema.String,
  queueId: IntField,
  queueOffset: LongField,
  transactionId: Schema.optional(Schema.String)
})

/**
 * Header of CONSUMER_SEND_MSG_BACK (36) (Java: `ConsumerSendMsgBackRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ConsumerSendMsgBackRequestHeader = commandHeader("ConsumerSendMsgBackRequestHeader", {
  offset: LongField,
  group: Schema.String,
  delayLevel: IntField,
  originMsgId: Schema.optional(Schema.String),
  originTopic: Schema.optional(Schema.String),
  unitMode: Schema.optional(BooleanField),
  maxReconsumeTimes: Schema.optional(IntField)
})
