import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { stringifyFastJson } from "../FastJson.js"
import { MessageQueue } from "../MessageQueue.js"
import { ConsumeFromWhere, ConsumeType, MessageModel, SubscriptionData } from "./HeartbeatData.js"

/**
 * The body of a GET_ALL_TOPIC_LIST_FROM_NAMESERVER response (Java: `TopicList`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const TopicList = Schema.Struct({
  brokerAddr: Schema.optional(Schema.NullOr(Schema.String)),
  topicList: Schema.Array(Schema.String)
}).annotations({ identifier: "TopicList" })

/** @since 0.1.0 @category bodies */
export type TopicList = Schema.Schema.Type<typeof TopicList>

/**
 * A string table, the body of a GET_BROKER_RUNTIME_INFO response (Java: `KVTable`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const KVTable = Schema.Struct({
  table: Schema.Record({ key: Schema.String, value: Schema.String })
}).annotations({ identifier: "KVTable" })

/** @since 0.1.0 @category bodies */
export type KVTable = Schema.Schema.Type<typeof KVTable>

/**
 * A consumer group's settings on a broker, the body of UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (Java:
 * `SubscriptionGroupConfig`, with its defaults).
 *
 * @since 0.1.0
 * @category bodies
 */
export const SubscriptionGroupConfig = Schema.Struct({
  brokerId: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  consumeBroadcastEnable: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  consumeEnable: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  consumeFromMinEnable: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  groupName: Schema.String,
  notifyConsumerIdsChangedEnable: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  retryMaxTimes: Schema.optionalWith(Schema.Int, { default: () => 16 }),
  retryQueueNums: Schema.optionalWith(Schema.Int, { default: () => 1 }),
  whichBrokerWhenConsumeSlowly: Schema.optionalWith(Schema.Number, { default: () => 1 })
}).annotations({ identifier: "SubscriptionGroupConfig" })

/** @since 0.1.0 @category bodies */
export type SubscriptionGroupConfig = Schema.Schema.Type<typeof SubscriptionGroupConfig>

/**
 * The body of a GET_ALL_SUBSCRIPTIONGROUP_CONFIG response: a broker's consumer groups by name (Java:
 * `SubscriptionGroupWrapper`; its `dataVersion` not read).
 *
 * @since 0.1.0
 * @category bodies
 */
export const SubscriptionGroupWrapper = Schema.Struct({
  subscriptionGroupTable: Schema.Record({ key: Schema.String, value: SubscriptionGroupConfig })
}).annotations({ identifier: "SubscriptionGroupWrapper" })

/** @since 0.1.0 @category bodies */
export type SubscriptionGroupWrapper = Schema.Schema.Type<typeof SubscriptionGroupWrapper>

/**
 * One client connection of a group (Java: `Connection`): client id, address, language and version code.
 *
 * @since 0.1.0
 * @category bodies
 */
export const Connection = Schema.Struct({
  clientAddr: Schema.String,
  clientId: Schema.String,
  language: Schema.String,
  version: Schema.Int
}).annotations({ identifier: "Connection" })

/** @since 0.1.0 @category bodies */
export type Connection = Schema.Schema.Type<typeof Connection>

/**
 * The body of a GET_CONSUMER_CONNECTION_LIST response (Java: `ConsumerConnection`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumerConnection = Schema.Struct({
  connectionSet: Schema.Array(Connection),
  consumeFromWhere: Schema.optional(Schema.NullOr(ConsumeFromWhere)),
  consumeType: Schema.optional(Schema.NullOr(ConsumeType)),
  messageModel: Schema.optional(Schema.NullOr(MessageModel)),
  subscriptionTable: Schema.optionalWith(Schema.Record({ key: Schema.String, value: SubscriptionData }), {
    default: () => ({})
  })
}).annotations({ identifier: "ConsumerConnection" })

/** @since 0.1.0 @category bodies */
export type ConsumerConnection = Schema.Schema.Type<typeof ConsumerConnection>

/**
 * A queue's offsets for a group (Java: `OffsetWrapper`): the broker's max offset, the group's offset and when the
 * last message it consumed was stored (0: none).
 *
 * @since 0.1.0
 * @category bodies
 */
export const OffsetWrapper = Schema.Struct({
  brokerOffset: Schema.Number,
  consumerOffset: Schema.Number,
  lastTimestamp: Schema.optionalWith(Schema.Number, { default: () => 0 })
}).annotations({ identifier: "OffsetWrapper" })

/** @since 0.1.0 @category bodies */
export type OffsetWrapper = Schema.Schema.Type<typeof OffsetWrapper>

/**
 * A queue's offsets (Java: `TopicOffset`): min and max offset, and when its last message was stored (0: none).
 *
 * @since 0.1.0
 * @category bodies
 */
export const TopicOffset = Schema.Struct({
  lastUpdateTimestamp: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  maxOffset: Schema.Number,
  minOffset: Schema.Number
}).annotations({ identifier: "TopicOffset" })

/** @since 0.1.0 @category bodies */
export type TopicOffset = Schema.Schema.Type<typeof TopicOffset>

/**
 * A map keyed by message queue, as fastjson writes one (each key the queue's JSON) and as read here: entries in the
 * key's order.
 *
 * @since 0.1.0
 * @category bodies
 */
export type QueueTable<A> = ReadonlyArray<readonly [MessageQueue, A]>

const QueueKey = Schema.parseJson(MessageQueue)

/**
 * A `Map<MessageQueue, A>` body field: read from fastjson's object keys (or their JSON text), written back as them.
 *
 * @since 0.1.0
 * @category bodies
 */
export const queueTable = <A, I>(value: Schema.Schema<A, I>): Schema.Schema<QueueTable<A>, Record<string, I>> =>
  Schema.transformOrFail(
    Schema.Record({ key: Schema.String, value }),
    Schema.Array(
      Schema.Tuple(Schema.typeSchema(MessageQueue), Schema.typeSchema(value))
    ),
    {
      strict: true,
      decode: (record, _, ast) =>
        ParseResult.mapError(
          ParseResult.decodeUnknown(Schema.Array(Schema.Tuple(QueueKey, Schema.typeSchema(value))))(
            Object.entries(record)
          ),
          (issue) => new ParseResult.Type(ast, record, ParseResult.TreeFormatter.formatIssueSync(issue))
        ),
      encode: (entries) => ParseResult.succeed(Object.fromEntries(entries.map(([q, v]) => [JSON.stringify(q), v])))
    }
  )

/**
 * The body of a GET_TOPIC_STATS_INFO response (Java: `TopicStatsTable`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const TopicStatsTable = Schema.Struct({
  offsetTable: queueTable(TopicOffset)
}).annotations({ identifier: "TopicStatsTable" })

/** @since 0.1.0 @category bodies */
export type TopicStatsTable = Schema.Schema.Type<typeof TopicStatsTable>

/**
 * The body of a GET_CONSUME_STATS response (Java: `ConsumeStats`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumeStats = Schema.Struct({
  consumeTps: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  offsetTable: queueTable(OffsetWrapper)
}).annotations({ identifier: "ConsumeStats" })

/** @since 0.1.0 @category bodies */
export type ConsumeStats = Schema.Schema.Type<typeof ConsumeStats>

/**
 * The body of an INVOKE_BROKER_TO_RESET_OFFSET response (Java: `ResetOffsetBody`): the offsets set, by queue.
 *
 * @since 0.1.0
 * @category bodies
 */
export const ResetOffsetBody = Schema.Struct({
  offsetTable: queueTable(Schema.Number)
}).annotations({ identifier: "ResetOffsetBody" })

/** @since 0.1.0 @category bodies */
export type ResetOffsetBody = Schema.Schema.Type<typeof ResetOffsetBody>

/**
 * A body with queue-keyed maps written as fastjson writes them (Java brokers' `RemotingSerializable.encode`): each
 * `offsetTable` key a bare queue object.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeQueueTableBody = <A>(
  fields: Readonly<Record<string, unknown>>,
  offsetTable: QueueTable<A>
): Buffer =>
  Buffer.from(
    stringifyFastJson({
      ...fields,
      offsetTable: new Map(
        offsetTable.map(([q, v]) => [{ brokerName: q.brokerName, queueId: q.queueId, topic: q.topic }, v])
      )
    }),
    "utf8"
  )
