import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { stringifyFastJson } from "../FastJson.js"
import { MessageQueue } from "../MessageQueue.js"
import { SubscriptionData } from "./HeartbeatData.js"

/**
 * The state of one queue's process queue, as reported to the broker (Java: `ProcessQueueInfo`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ProcessQueueInfo = Schema.Struct({
  cachedMsgCount: Schema.Number,
  cachedMsgMaxOffset: Schema.Number,
  cachedMsgMinOffset: Schema.Number,
  cachedMsgSizeInMiB: Schema.Number,
  commitOffset: Schema.Number,
  droped: Schema.Boolean,
  lastConsumeTimestamp: Schema.Number,
  lastLockTimestamp: Schema.Number,
  lastPullTimestamp: Schema.Number,
  locked: Schema.Boolean,
  transactionMsgCount: Schema.Number,
  transactionMsgMaxOffset: Schema.Number,
  transactionMsgMinOffset: Schema.Number,
  tryUnlockTimes: Schema.Number
}).annotations({ identifier: "ProcessQueueInfo" })

/** @since 0.1.0 @category bodies */
export type ProcessQueueInfo = Schema.Schema.Type<typeof ProcessQueueInfo>

/**
 * Consume statistics of one topic (Java: `ConsumeStatus`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumeStatus = Schema.Struct({
  consumeFailedMsgs: Schema.Number,
  consumeFailedTPS: Schema.Number,
  consumeOKTPS: Schema.Number,
  consumeRT: Schema.Number,
  pullRT: Schema.Number,
  pullTPS: Schema.Number
}).annotations({ identifier: "ConsumeStatus" })

/** @since 0.1.0 @category bodies */
export type ConsumeStatus = Schema.Schema.Type<typeof ConsumeStatus>

const QueueTableEntry = Schema.Struct({ messageQueue: MessageQueue, info: ProcessQueueInfo })

/** `mqTable` as it travels: an object whose keys are `MessageQueue` objects (read as their JSON text). */
const MqTable = Schema.transformOrFail(
  Schema.Record({ key: Schema.String, value: ProcessQueueInfo }),
  Schema.typeSchema(Schema.Array(QueueTableEntry)),
  {
    strict: true,
    decode: (table, _, ast) =>
      Either.all(
        Object.entries(table).map(([key, info]) =>
          Either.try(() => JSON.parse(key) as unknown).pipe(
            Either.flatMap((json) => Schema.decodeUnknownEither(MessageQueue)(json)),
            Either.map((messageQueue) => ({ messageQueue, info })),
            Either.mapLeft(() => new ParseResult.Type(ast, key, `mqTable key ${key} is not a MessageQueue`))
          )
        )
      ),
    encode: (entries) => Either.right(Object.fromEntries(entries.map((e) => [JSON.stringify(e.messageQueue), e.info])))
  }
)

/**
 * The body of a GET_CONSUMER_RUNNING_INFO response (Java: `ConsumerRunningInfo`): properties, subscriptions, the
 * state of every queue (`mqTable`, keyed by queue) and per-topic statistics.
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumerRunningInfo = Schema.Struct({
  jstack: Schema.optional(Schema.String),
  mqTable: MqTable,
  properties: Schema.Record({ key: Schema.String, value: Schema.String }),
  statusTable: Schema.Record({ key: Schema.String, value: ConsumeStatus }),
  subscriptionSet: Schema.Array(SubscriptionData)
}).annotations({ identifier: "ConsumerRunningInfo" })

/** @since 0.1.0 @category bodies */
export type ConsumerRunningInfo = Schema.Schema.Type<typeof ConsumerRunningInfo>

/**
 * A running-info body as the Java client writes it: `mqTable` keys as JSON objects (fastjson's form for a
 * `TreeMap<MessageQueue, ProcessQueueInfo>`), so that Java admin tools can read it.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeConsumerRunningInfo = (info: ConsumerRunningInfo): Buffer => {
  const encoded = Schema.encodeSync(ConsumerRunningInfo)(info)
  const mqTable = new Map(info.mqTable.map((e) => [Schema.encodeSync(MessageQueue)(e.messageQueue), e.info]))
  return Buffer.from(stringifyFastJson({ ...encoded, mqTable }), "utf8")
}
