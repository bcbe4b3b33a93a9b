import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { ConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { ConsumeFromWhere, MessageModel } from "../protocol/bodies/HeartbeatData.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import type { AllocateMessageQueueStrategy } from "./AllocateMessageQueue.js"
import type { TypedSubscription } from "./Topic.js"
import type { MessageTraceOptions } from "./TraceDispatcher.js"

/**
 * What a handler says of a batch (Java: `ConsumeConcurrentlyStatus`; for orderly consumption `RECONSUME_LATER` is
 * `ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT`). A handler that fails counts as `RECONSUME_LATER`.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumeResult = "CONSUME_SUCCESS" | "RECONSUME_LATER"

/**
 * Where a batch came from, handed to the handler with it (Java: `ConsumeConcurrentlyContext` /
 * `ConsumeOrderlyContext`).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeContext {
  readonly queue: MessageQueue
}

/**
 * Consumes a batch of messages (Java: `MessageListenerConcurrently` / `MessageListenerOrderly`): at most
 * `consumeMessageBatchMaxSize` messages of one queue, in offset order.
 *
 * @since 0.1.0
 * @category consumer
 */
export type MessageHandler<E = unknown, R = never> = (
  messages: ReadonlyArray<MessageExt>,
  context: ConsumeContext
) => Effect.Effect<ConsumeResult, E, R>

/**
 * One subscription: a topic and a tag expression (`*`, `TagA`, `TagA || TagB`) or an SQL92 expression evaluated by
 * the broker (Java: `subscribe(topic, subExpression)` / `MessageSelector.bySql`).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface Subscription {
  readonly topic: string
  readonly expression?: string | undefined
  readonly type?: "TAG" | "SQL92" | undefined
}

/**
 * Settings of a push consumer, with the Java client's defaults (Java: `DefaultMQPushConsumer`).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface PushConsumerOptions<E = unknown, R = never> extends MessageTraceOptions {
  readonly group: string
  readonly subscriptions: ReadonlyArray<Subscription>
  readonly handler: MessageHandler<E, R>
  /** One queue's messages one batch at a time in offset order, the queue locked on the broker (Java: orderly). */
  readonly orderly?: boolean | undefined
  /** Java: `messageModel`, CLUSTERING. */
  readonly messageModel?: MessageModel | undefined
  /** Java: `consumeFromWhere`, CONSUME_FROM_LAST_OFFSET. */
  readonly consumeFromWhere?: ConsumeFromWhere | undefined
  /** For CONSUME_FROM_TIMESTAMP, in milliseconds (Java: `consumeTimestamp`, half an hour before start). */
  readonly consumeTimestamp?: number | undefined
  /** Java: `allocateMessageQueueStrategy`, averagely. */
  readonly allocateStrategy?: AllocateMessageQueueStrategy | undefined
  /** Handlers running at once (Java: `consumeThreadMin`/`Max`, 20); can be changed at runtime. */
  readonly concurrency?: number | undefined
  /** Java: `consumeMessageBatchMaxSize`, 1. */
  readonly consumeMessageBatchMaxSize?: number | undefined
  /** Java: `pullBatchSize`, 32. */
  readonly pullBatchSize?: number | undefined
  /** Java: `pullInterval`, 0. */
  readonly pullInterval?: Duration.DurationInput | undefined
  /** Java: `pullThresholdForQueue`, 1,000 messages cached per queue. */
  readonly pullThresholdForQueue?: number | undefined
  /** Java: `pullThresholdSizeForQueue`, 100 MiB cached per queue. */
  readonly pullThresholdSizeForQueue?: number | undefined
  /** Java: `pullThresholdForTopic`, none; split among the topic's queues. */
  readonly pullThresholdForTopic?: number | undefined
  /** Java: `pullThresholdSizeForTopic` in MiB, none; split among the topic's queues. */
  readonly pullThresholdSizeForTopic?: number | undefined
  /** Java: `consumeConcurrentlyMaxSpan`, 2,000 offsets between the first and last cached message. */
  readonly consumeConcurrentlyMaxSpan?: number | undefined
  /** Java: `maxReconsumeTimes`: 16 for concurrent consumption, unbounded for orderly. */
  readonly maxReconsumeTimes?: number | undefined
  /**
   * Java: `consumeTimeout`, 15 minutes. Concurrent consumption: a batch whose handler still runs then is sent back
   * (delay level 3) and its handler interrupted; swept every half the timeout, at least once a minute (Java sweeps
   * every `consumeTimeout`). Orderly consumption has no consume timeout, as in Java.
   */
  readonly consumeTimeout?: Duration.DurationInput | undefined
  /** Java: `suspendCurrentQueueTimeMillis`, 1 s: an orderly queue's pause after a failed batch. */
  readonly suspendCurrentQueueTime?: Duration.DurationInput | undefined
  /** How long closing the consumer waits for handlers in flight before interrupting them (30 s). */
  readonly shutdownTimeout?: Duration.DurationInput | undefined
  /** Java: `brokerSuspendMaxTimeMillis`, 15 s of long polling. */
  readonly brokerSuspendMaxTime?: Duration.DurationInput | undefined
  /** Java: `consumerTimeoutMillisWhenSuspend`, 30 s: a long poll's call timeout. */
  readonly consumerTimeoutWhenSuspend?: Duration.DurationInput | undefined
  /** Broadcasting: where offset files are kept (Java: `rocketmq.client.localOffsetStoreDir`, `~/.rocketmq_offsets`). */
  readonly localOffsetStoreDir?: string | undefined
  /**
   * Java 5.x: `clientRebalance`, true: this client shares out the queues itself. False (a clustering, concurrent
   * consumer): the broker is asked (QUERY_ASSIGNMENT, RocketMQ 5.x) which queues are this client's and whether they are
   * pulled or popped, as `mqadmin setConsumeMode` set it for the topic and group; a broker that does not answer it
   * (4.x) leaves the topic to this client.
   */
  readonly clientRebalance?: boolean | undefined
  /** Java 5.x: `popInvisibleTime`, 60 s (5 s to 300 s): how long a popped message stays invisible to others. */
  readonly popInvisibleTime?: Duration.DurationInput | undefined
  /** Java 5.x: `popBatchNums`, 32: messages asked per POP_MESSAGE. */
  readonly popBatchNums?: number | undefined
  /** Java 5.x: `popThresholdForQueue`, 96: popped messages not yet acked above which a queue's pops wait. */
  readonly popThresholdForQueue?: number | undefined
}

/**
 * Settings of a push consumer of typed topics: those of a push consumer, with typed subscriptions (`Topic.subscribe`,
 * each with its handler and decode-error policy) in place of the subscriptions and the handler.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface TypedPushConsumerOptions<E = unknown, R = never>
  extends Omit<PushConsumerOptions<E, R>, "subscriptions" | "handler">
{
  readonly subscriptions: ReadonlyArray<TypedSubscription<E, R>>
}

/**
 * Java's defaults of a push consumer's options (`DefaultMQPushConsumer`), written once: the consumer fills them in.
 * `-1` means no limit; `maxReconsumeTimesOrderly` stands for Java's `Integer.MAX_VALUE` (unbounded).
 *
 * @since 0.1.0
 * @category consumer
 */
export const pushConsumerDefaults = {
  messageModel: "CLUSTERING",
  consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
  /** How long before the consumer's start CONSUME_FROM_TIMESTAMP starts, by default: half an hour. */
  consumeTimestampBeforeStart: Duration.minutes(30),
  concurrency: 20,
  consumeMessageBatchMaxSize: 1,
  pullBatchSize: 32,
  pullInterval: Duration.zero,
  pullThresholdForQueue: 1000,
  pullThresholdSizeForQueueMiB: 100,
  pullThresholdForTopic: -1,
  pullThresholdSizeForTopicMiB: -1,
  consumeConcurrentlyMaxSpan: 2000,
  maxReconsumeTimes: 16,
  maxReconsumeTimesOrderly: Number.MAX_SAFE_INTEGER,
  consumeTimeout: Duration.minutes(15),
  suspendCurrentQueueTime: Duration.seconds(1),
  shutdownTimeout: Duration.seconds(30),
  brokerSuspendMaxTime: Duration.seconds(15),
  consumerTimeoutWhenSuspend: Duration.seconds(30),
  clientRebalance: true,
  popInvisibleTime: Duration.seconds(60),
  popBatchNums: 32,
  popThresholdForQueue: 96
} as const

/**
 * The cache of one queue, as `GET_CONSUMER_RUNNING_INFO` reports it (Java: `ProcessQueueInfo`, in part).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface QueueState {
  readonly queue: MessageQueue
  readonly cachedMessageCount: number
  readonly cachedMessageBytes: number
  readonly commitOffset: number
  readonly locked: boolean
}

/**
 * No address is known for a broker a queue lives on, even after refreshing the topic's route (Java: "The broker[...]
 * not exist").
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokerNotFoundError extends Data.TaggedError("BrokerNotFoundError")<{
  readonly brokerName: string
  readonly topic: string
}> {
  override get message(): string {
    return `The broker[${this.brokerName}] not exist (topic ${this.topic})`
  }
}

/**
 * A push consumer of a consumer group (Java: `DefaultMQPushConsumer`): closing its scope stops pulling, lets the
 * handlers in flight finish (up to `shutdownTimeout`), commits what they completed, then unregisters.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface PushConsumerService {
  readonly group: string
  /** The queues this consumer holds now. */
  readonly assignedQueues: Effect.Effect<ReadonlyArray<MessageQueue>>
  /** The cache and commit offset of every queue held. */
  readonly queueStates: Effect.Effect<ReadonlyArray<QueueState>>
  /** Sets how many handlers may run at once; the client instance applies it within a minute (Java: `adjustThreadPool`). */
  readonly setConcurrency: (concurrency: number) => Effect.Effect<void>
  /** The concurrency in force. */
  readonly concurrency: Effect.Effect<number>
  /** Rebalances now (Java: `doRebalance`). */
  readonly rebalance: Effect.Effect<void>
  /** What GET_CONSUMER_RUNNING_INFO answers. */
  readonly runningInfo: Effect.Effect<ConsumerRunningInfo>
}

/**
 * The push consumer service. `src/index.ts` exports it with `stream` (a consumer as a `Stream`, built by the layer:
 * see `src/layers/PushConsumerStream.ts`), so that this file need not import the layer.
 *
 * @since 0.1.0
 * @category consumer
 */
export class PushConsumer extends Context.Tag("effect-rocketmq/PushConsumer")<PushConsumer, PushConsumerService>() {}
