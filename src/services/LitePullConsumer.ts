import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { ConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { ConsumeFromWhere, MessageModel } from "../protocol/bodies/HeartbeatData.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import type { AllocateMessageQueueStrategy } from "./AllocateMessageQueue.js"
import type { BrokerResponseError } from "./BrokerResponseError.js"
import type { OffsetStoreError } from "./OffsetStore.js"
import type { BrokerNotFoundError, Subscription } from "./PushConsumer.js"
import type { RemotingError } from "./RemotingClient.js"
import type { RouteError } from "./TopicRouteCache.js"

/**
 * Settings of a lite pull consumer, with the Java client's defaults (Java: `DefaultLitePullConsumer`).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface LitePullConsumerOptions {
  /** Java: `consumerGroup`. */
  readonly group: string
  /** Subscriptions made at start (Java: `subscribe` before `start`); `subscribe` and `assign` add more later. */
  readonly subscriptions?: ReadonlyArray<Subscription> | undefined
  /** Queues assigned at start (Java: `assign` before `start`). */
  readonly assignedQueues?: ReadonlyArray<MessageQueue> | undefined
  /** Java: `messageModel`, CLUSTERING. */
  readonly messageModel?: MessageModel | undefined
  /** Java: `consumeFromWhere`, CONSUME_FROM_LAST_OFFSET: where a queue with no committed offset starts. */
  readonly consumeFromWhere?: ConsumeFromWhere | undefined
  /** For CONSUME_FROM_TIMESTAMP, in milliseconds (Java: `consumeTimestamp`, half an hour before start). */
  readonly consumeTimestamp?: number | undefined
  /** Java: `allocateMessageQueueStrategy`, averagely. */
  readonly allocateStrategy?: AllocateMessageQueueStrategy | undefined
  /** Java: `pullBatchSize`, 10: messages per pull, and the most one `poll` hands out. */
  readonly pullBatchSize?: number | undefined
  /** Java: `pullThresholdForAll`, 10,000 messages buffered over every queue (counted as batches times pullBatchSize). */
  readonly pullThresholdForAll?: number | undefined
  /** Java: `pullThresholdForQueue`, 1,000 messages buffered per queue. */
  readonly pullThresholdForQueue?: number | undefined
  /** Java: `pullThresholdSizeForQueue`, 100 MiB of bodies buffered per queue. */
  readonly pullThresholdSizeForQueue?: number | undefined
  /** Java: `consumeMaxSpan`, 2,000 offsets between the first and the last message buffered of a queue. */
  readonly consumeMaxSpan?: number | undefined
  /** Java: `autoCommit`, true: what `poll` handed out is committed at the next poll after the interval. */
  readonly autoCommit?: boolean | undefined
  /** Java: `autoCommitIntervalMillis`, 5,000 (at least 1,000). */
  readonly autoCommitIntervalMillis?: number | undefined
  /** Java: `pollTimeoutMillis`, 5,000: how long `poll()` waits when nothing is buffered. */
  readonly pollTimeoutMillis?: number | undefined
  /**
   * Java: `pullThreadNums`, 20. Every queue here has a pull loop of its own (a fiber), so this bounds nothing; it is
   * accepted and reported in the running info.
   */
  readonly pullThreadNums?: number | undefined
  /** Java: `brokerSuspendMaxTimeMillis`, 20 s of long polling. */
  readonly brokerSuspendMaxTimeMillis?: number | undefined
  /** Java: `consumerTimeoutMillisWhenSuspend`, 30 s: a long poll's call timeout. */
  readonly consumerTimeoutMillisWhenSuspend?: number | undefined
  /** Broadcasting: where offset files are kept (Java: `rocketmq.client.localOffsetStoreDir`, `~/.rocketmq_offsets`). */
  readonly localOffsetStoreDir?: string | undefined
}

/**
 * Java's defaults of a lite pull consumer's options (`DefaultLitePullConsumer`), written once.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const litePullConsumerDefaults = {
  messageModel: "CLUSTERING",
  consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
  consumeTimestampBeforeStart: Duration.minutes(30),
  pullBatchSize: 10,
  pullThresholdForAll: 10_000,
  pullThresholdForQueue: 1_000,
  pullThresholdSizeForQueueMiB: 100,
  consumeMaxSpan: 2_000,
  autoCommit: true,
  autoCommitIntervalMillis: 5_000,
  minAutoCommitIntervalMillis: 1_000,
  pollTimeoutMillis: 5_000,
  pullThreadNums: 20,
  brokerSuspendMaxTimeMillis: 20_000,
  consumerTimeoutMillisWhenSuspend: 30_000,
  /** Java: `PULL_TIME_DELAY_MILLS_WHEN_PAUSE`: a paused queue's pull loop looks again after 1 s. */
  pauseDelay: Duration.seconds(1),
  /** Java: `DefaultMQPullConsumer.maxReconsumeTimes`, 16: what `sendMessageBack` tells the broker. */
  maxReconsumeTimes: 16
} as const

/**
 * `subscribe` after `assign`, or the other way round (Java: "Subscribe and assign are mutually exclusive.").
 *
 * @since 0.1.0
 * @category errors
 */
export class SubscriptionConflictError extends Data.TaggedError("SubscriptionConflictError")<{
  readonly attempted: "subscribe" | "assign"
}> {
  override get message(): string {
    return `Subscribe and assign are mutually exclusive (${this.attempted} refused)`
  }
}

/**
 * A lite pull consumer was given something it cannot use: an empty topic, no queues to assign, a negative timeout,
 * a commit offset below zero (Java's `IllegalArgumentException`s).
 *
 * @since 0.1.0
 * @category errors
 */
export class LitePullArgumentError extends Data.TaggedError("LitePullArgumentError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * A seek or commit named a queue this consumer is not assigned (Java: "The message queue is not in assigned list";
 * in subscribe mode the queue may be moving in a rebalance).
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueNotAssignedError extends Data.TaggedError("QueueNotAssignedError")<{
  readonly queue: MessageQueue
  readonly rebalancing: boolean
}> {
  override get message(): string {
    const q = `${this.queue.topic}@${this.queue.brokerName}#${this.queue.queueId}`
    return `The message queue is not in assigned list${
      this.rebalancing ? ", may be rebalancing" : ""
    }, message queue: ${q}`
  }
}

/**
 * A seek outside a queue's offsets (Java: "Seek offset illegal").
 *
 * @since 0.1.0
 * @category errors
 */
export class SeekOffsetError extends Data.TaggedError("SeekOffsetError")<{
  readonly queue: MessageQueue
  readonly offset: number
  readonly minOffset: number
  readonly maxOffset: number
}> {
  override get message(): string {
    return `Seek offset illegal, seek offset = ${this.offset}, min offset = ${this.minOffset}, max offset = ${this.maxOffset}`
  }
}

/**
 * What a lite pull consumer's calls to brokers can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type LitePullCallError = RouteError | BrokerResponseError | BrokerNotFoundError

/**
 * A batch `poll` handed out, with the offset of its queue that committing it would store (Java: the consume offset
 * `poll` sets after `ProcessQueue.removeMessage`).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface PolledBatch {
  readonly queue: MessageQueue
  readonly messages: ReadonlyArray<MessageExt>
  /** The first offset of the queue not handed out once this batch was. */
  readonly nextOffset: number
}

/**
 * A lite pull consumer (Java: `DefaultLitePullConsumer`): the application polls; each queue held has a pull loop
 * filling a buffer bounded by the pull thresholds. Queues come from `subscribe` (the group's rebalance, clustering or
 * broadcasting) or `assign` (chosen by the application), never both.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface LitePullConsumerService {
  readonly group: string
  /** Clustering or broadcasting (Java: `messageModel`). */
  readonly messageModel: MessageModel
  /** Subscribes to a topic (Java: `subscribe`): the group's rebalance gives this consumer its share of the queues. */
  readonly subscribe: (
    topic: string,
    expression?: string,
    type?: "TAG" | "SQL92"
  ) => Effect.Effect<void, SubscriptionConflictError | LitePullArgumentError>
  /** Drops a subscription (Java: `unsubscribe`): its queues are committed and let go. */
  readonly unsubscribe: (topic: string) => Effect.Effect<void>
  /** Takes exactly these queues (Java: `assign`): no rebalance; queues not listed any more are committed and let go. */
  readonly assign: (
    queues: ReadonlyArray<MessageQueue>
  ) => Effect.Effect<void, SubscriptionConflictError | LitePullArgumentError>
  /** The queues held now (Java: `assignment`). */
  readonly assignment: Effect.Effect<ReadonlyArray<MessageQueue>>
  /** The readable queues of a topic, from the name server; none for a topic it does not know (Java: `fetchMessageQueues`). */
  readonly fetchMessageQueues: (topic: string) => Effect.Effect<ReadonlyArray<MessageQueue>, LitePullCallError>
  /**
   * The next buffered batch, at most `pullBatchSize` messages of one queue in offset order (Java: `poll`); waits up to
   * `timeout` (`pollTimeoutMillis`) when nothing is buffered, then answers an empty array.
   */
  readonly poll: (
    timeout?: Duration.DurationInput
  ) => Effect.Effect<ReadonlyArray<MessageExt>, LitePullArgumentError>
  /** As `poll`, with the batch's queue and the offset committing it would store; `undefined` when nothing came. */
  readonly pollBatch: (
    timeout?: Duration.DurationInput
  ) => Effect.Effect<PolledBatch | undefined, LitePullArgumentError>
  /** The next poll of the queue starts at `offset`, its buffer emptied (Java: `seek`). */
  readonly seek: (
    queue: MessageQueue,
    offset: number
  ) => Effect.Effect<void, QueueNotAssignedError | SeekOffsetError | LitePullCallError>
  /** Seeks to the queue's first offset (Java: `seekToBegin`). */
  readonly seekToBegin: (
    queue: MessageQueue
  ) => Effect.Effect<void, QueueNotAssignedError | SeekOffsetError | LitePullCallError>
  /** Seeks to the queue's max offset, past its last message (Java: `seekToEnd`). */
  readonly seekToEnd: (
    queue: MessageQueue
  ) => Effect.Effect<void, QueueNotAssignedError | SeekOffsetError | LitePullCallError>
  /** The offset of the queue's first message stored at or after `timestamp` (Java: `offsetForTimestamp`). */
  readonly offsetForTimestamp: (queue: MessageQueue, timestamp: number) => Effect.Effect<number, LitePullCallError>
  /** The group's committed offset of a queue, from memory else the store; -1 when none (Java: `committed`). */
  readonly committed: (queue: MessageQueue) => Effect.Effect<number, OffsetStoreError>
  /**
   * Stops pulling these queues, and `poll` hands out nothing of them until they resume (Java: `pause`, as its
   * documentation says; what they buffered waits). Queues not held are passed over.
   */
  readonly pause: (queues: ReadonlyArray<MessageQueue>) => Effect.Effect<void>
  /** Pulls these queues again (Java: `resume`). */
  readonly resume: (queues: ReadonlyArray<MessageQueue>) => Effect.Effect<void>
  /** Commits what `poll` handed out of every queue held and persists it now (Java: `commitSync`). */
  readonly commitSync: Effect.Effect<void, OffsetStoreError>
  /**
   * Commits these offsets (each the first offset not consumed of its queue) and, unless `persist` is false, persists
   * them now (Java 5: `commit(offsets, persist)`).
   */
  readonly commit: (
    offsets: ReadonlyArray<readonly [MessageQueue, number]>,
    persist?: boolean
  ) => Effect.Effect<void, QueueNotAssignedError | LitePullArgumentError | OffsetStoreError>
  /**
   * Sends a message of a queue back to the group's retry topic `%RETRY%group` (CONSUMER_SEND_MSG_BACK; delay level
   * 0 lets the broker pick the delay) or, with delay level -1, straight to its dead-letter topic `%DLQ%group` (Java:
   * `DefaultMQPullConsumer.sendMessageBack`). A lite pull consumer does not read its retry topic by itself.
   */
  readonly sendMessageBack: (
    queue: MessageQueue,
    message: MessageExt,
    delayLevel: number
  ) => Effect.Effect<void, LitePullCallError | RemotingError>
  /** Rebalances now (Java: `doRebalance`); nothing in assign mode. */
  readonly rebalance: Effect.Effect<void>
  /** What GET_CONSUMER_RUNNING_INFO answers. */
  readonly runningInfo: Effect.Effect<ConsumerRunningInfo>
}

/**
 * The lite pull consumer service. `src/index.ts` exports it with `stream` (see
 * `src/layers/LitePullConsumerStream.ts`), so that this file need not import the layer.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export class LitePullConsumer extends Context.Tag("effect-rocketmq/LitePullConsumer")<
  LitePullConsumer,
  LitePullConsumerService
>() {}
