import type * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as MetricLabel from "effect/MetricLabel"
import type { ConsumeFromWhere, MessageModel, SubscriptionData } from "../../protocol/bodies/HeartbeatData.js"
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { parseTagExpression } from "../../protocol/TagFilter.js"
import { type AllocateMessageQueueStrategy, averagely } from "../../services/AllocateMessageQueue.js"
import type { ClientInstanceService } from "../../services/ClientInstance.js"
import { withoutNamespace, wrapNamespace } from "../../services/Namespace.js"
import type { OffsetStoreService } from "../../services/OffsetStore.js"
import {
  type ConsumeContext,
  type ConsumeResult,
  pushConsumerDefaults,
  type PushConsumerOptions
} from "../../services/PushConsumer.js"
import type { TopicRouteCacheService } from "../../services/TopicRouteCache.js"
import type { ConsumeExecutor } from "./ConsumeExecutor.js"
import type { ConsumerApi } from "./ConsumerApi.js"
import type { ConsumeTracer } from "./ConsumeTrace.js"
import type { ProcessQueueTable } from "./ProcessQueueTable.js"

/**
 * A push consumer's settings with every default filled in (Java's defaults, see `PushConsumerOptions`).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumerSettings {
  /** The group as it travels (under the namespace). */
  readonly group: string
  readonly clientId: string
  readonly namespace: string | undefined
  readonly messageModel: MessageModel
  readonly orderly: boolean
  readonly consumeFromWhere: ConsumeFromWhere
  readonly consumeTimestamp: number
  readonly strategy: AllocateMessageQueueStrategy
  readonly consumeBatchSize: number
  readonly pullBatchSize: number
  readonly pullIntervalMillis: number
  readonly pullThresholdForQueue: number
  readonly pullThresholdSizeForQueueMiB: number
  readonly pullThresholdForTopic: number
  readonly pullThresholdSizeForTopicMiB: number
  readonly consumeConcurrentlyMaxSpan: number
  readonly maxReconsumeTimes: number
  readonly consumeTimeout: Duration.Duration
  readonly suspendCurrentQueueTime: Duration.Duration
  readonly shutdownTimeout: Duration.Duration
  readonly brokerSuspendMaxMillis: number
  readonly consumerTimeoutWhenSuspend: Duration.Duration
  readonly pullDelayWhenException: Duration.Duration
  readonly initialConcurrency: number
  /** Java 5.x `clientRebalance`; false only for a clustering, concurrent consumer (Java: `RebalancePushImpl.clientRebalance`). */
  readonly clientRebalance: boolean
  /** Java 5.x: `popInvisibleTime` in ms, out of 5 s..300 s taken as 60 s (`DefaultMQPushConsumerImpl.popMessage`). */
  readonly popInvisibleTimeMillis: number
  readonly popBatchNums: number
  readonly popThresholdForQueue: number
}

/** Java: `PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL`. */
export const FLOW_CONTROL_DELAY = Duration.millis(50)
/** Java: the wait after OFFSET_ILLEGAL before the corrected offset is stored and the queue dropped, 10 s. */
export const OFFSET_ILLEGAL_DROP_DELAY = Duration.seconds(10)
/** Java: `ProcessQueue.PULL_MAX_IDLE_TIME`, 120 s: a queue not pulled for so long is dropped and taken again. */
export const PULL_MAX_IDLE_MILLIS = 120_000
/** Java: `REBALANCE_LOCK_MAX_LIVE_TIME`, 30 s: how long a broker lock is trusted without renewal. */
export const LOCK_MAX_LIVE_MILLIS = 30_000
/** Java: `REBALANCE_LOCK_INTERVAL`, 20 s between renewals of every orderly queue's lock. */
export const LOCK_RENEW_INTERVAL = Duration.seconds(20)
/** Java: the wait before a message whose send-back failed is consumed again locally, 5 s. */
export const LOCAL_RETRY_DELAY = Duration.seconds(5)

/** Java: `MIN_POP_INVISIBLE_TIME` 5 s, `MAX_POP_INVISIBLE_TIME` 300 s; outside them a pop asks for 60 s. */
const popInvisibleMillis = (given: Duration.Duration): number => {
  const millis = Duration.toMillis(given)
  return millis < 5_000 || millis > 300_000 ? 60_000 : millis
}

/**
 * Fills in Java's defaults (`pushConsumerDefaults`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const resolveSettings = (
  options: Omit<PushConsumerOptions<unknown, unknown>, "subscriptions" | "handler">,
  instance: ClientInstanceService,
  now: number
): ConsumerSettings => {
  const d = pushConsumerDefaults
  const orderly = options.orderly === true
  const duration = (given: Duration.DurationInput | undefined, fallback: Duration.Duration) =>
    given === undefined ? fallback : Duration.decode(given)
  return {
    group: wrapNamespace(instance.config.namespace, options.group),
    clientId: instance.clientId,
    namespace: instance.config.namespace,
    messageModel: options.messageModel ?? d.messageModel,
    orderly,
    consumeFromWhere: options.consumeFromWhere ?? d.consumeFromWhere,
    consumeTimestamp: options.consumeTimestamp ?? now - Duration.toMillis(d.consumeTimestampBeforeStart),
    strategy: options.allocateStrategy ?? averagely,
    consumeBatchSize: Math.max(1, options.consumeMessageBatchMaxSize ?? d.consumeMessageBatchMaxSize),
    pullBatchSize: Math.max(1, options.pullBatchSize ?? d.pullBatchSize),
    pullIntervalMillis: Duration.toMillis(duration(options.pullInterval, d.pullInterval)),
    pullThresholdForQueue: options.pullThresholdForQueue ?? d.pullThresholdForQueue,
    pullThresholdSizeForQueueMiB: options.pullThresholdSizeForQueue ?? d.pullThresholdSizeForQueueMiB,
    pullThresholdForTopic: options.pullThresholdForTopic ?? d.pullThresholdForTopic,
    pullThresholdSizeForTopicMiB: options.pullThresholdSizeForTopic ?? d.pullThresholdSizeForTopicMiB,
    consumeConcurrentlyMaxSpan: options.consumeConcurrentlyMaxSpan ?? d.consumeConcurrentlyMaxSpan,
    maxReconsumeTimes: options.maxReconsumeTimes ?? (orderly ? d.maxReconsumeTimesOrderly : d.maxReconsumeTimes),
    consumeTimeout: duration(options.consumeTimeout, d.consumeTimeout),
    suspendCurrentQueueTime: duration(options.suspendCurrentQueueTime, d.suspendCurrentQueueTime),
    shutdownTimeout: duration(options.shutdownTimeout, d.shutdownTimeout),
    brokerSuspendMaxMillis: Duration.toMillis(duration(options.brokerSuspendMaxTime, d.brokerSuspendMaxTime)),
    consumerTimeoutWhenSuspend: duration(options.consumerTimeoutWhenSuspend, d.consumerTimeoutWhenSuspend),
    pullDelayWhenException: instance.config.pullTimeDelayWhenException,
    initialConcurrency: Math.max(1, options.concurrency ?? d.concurrency),
    clientRebalance: (options.clientRebalance ?? d.clientRebalance) || orderly ||
      (options.messageModel ?? d.messageModel) === "BROADCASTING",
    popInvisibleTimeMillis: popInvisibleMillis(duration(options.popInvisibleTime, d.popInvisibleTime)),
    popBatchNums: Math.max(1, options.popBatchNums ?? d.popBatchNums),
    popThresholdForQueue: options.popThresholdForQueue ?? d.popThresholdForQueue
  }
}

/**
 * The subscription data of a topic (Java: `FilterAPI.buildSubscriptionData`): tags and their hash codes, or an SQL92
 * expression for the broker.
 *
 * @since 0.1.0
 * @category consumer
 */
export const subscriptionData = (
  topic: string,
  expression: string | undefined,
  type: "TAG" | "SQL92",
  subVersion: number
): SubscriptionData => {
  if (type === "SQL92") {
    return {
      classFilterMode: false,
      topic,
      subString: expression ?? "",
      tagsSet: [],
      codeSet: [],
      subVersion,
      expressionType: "SQL92"
    }
  }
  const parsed = parseTagExpression(expression ?? "*")
  return {
    classFilterMode: false,
    topic,
    subString: parsed.subString,
    tagsSet: [...parsed.tags],
    codeSet: [...parsed.codes],
    subVersion,
    expressionType: "TAG"
  }
}

/**
 * What a batch's handler answered: one result for every message, or (typed subscriptions, see `TypedHandler.ts`) the
 * messages that did not decode set apart, each to be sent back with its delay level (0: the retry topic, -1: the DLQ
 * at once, Java's `delayLevelWhenNextConsume`), and one result for the others.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumeOutcome = ConsumeResult | {
  readonly result: ConsumeResult
  readonly setApart: ReadonlyArray<{ readonly message: MessageExt; readonly delayLevel: number }>
}

/**
 * The handler as the consume services run it: the user's (untyped), or the typed subscriptions' decoding in front of
 * theirs.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumeHandler = (
  messages: ReadonlyArray<MessageExt>,
  context: ConsumeContext
) => Effect.Effect<ConsumeOutcome, unknown>

/**
 * What the pull, consume and rebalance parts of one push consumer share: its settings, the services it calls, and
 * the table of the queues it holds (whose per-queue state only `ProcessQueueTable` and `ProcessQueue` change).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumerContext {
  readonly settings: ConsumerSettings
  readonly instance: ClientInstanceService
  readonly routes: TopicRouteCacheService
  readonly api: ConsumerApi
  readonly offsetStore: OffsetStoreService
  readonly executor: ConsumeExecutor
  /** The handler, run in the consume executor's workers, whose context is `handlerContext`. */
  readonly handler: ConsumeHandler
  /** What the handler needs: provided where it runs outside the workers (a message consumed directly). */
  readonly handlerContext: Context.Context<never>
  /** Subscriptions by topic as it travels (the retry topic included for clustering). */
  readonly subscriptions: ReadonlyMap<string, SubscriptionData>
  /** The queues held, with their caches and per-queue state. */
  readonly processQueues: ProcessQueueTable
  readonly stats: ConsumeStats
  /** A tracer is installed: consume batches are spans (without one, nothing would record them). */
  readonly tracing: boolean
  /** The consumer's clock, read without an effect on the consume path (once per batch). */
  readonly clock: Clock.Clock
  /** The metric labels of the consumer's fibers (its workers' too), read once: the consumed counters' labels. */
  readonly metricLabels: ReadonlyArray<MetricLabel.MetricLabel>
  /** The consumer's message trace, when on (Java: `enableMsgTrace`). */
  readonly trace?: ConsumeTracer | undefined
}

/**
 * Counters behind the running info's consume statistics, by topic (Java: `ConsumerStatsManager`).
 *
 * @since 0.1.0
 * @category consumer
 */
export class ConsumeStats {
  private readonly byTopic = new Map<
    string,
    { ok: number; failed: number; consumeMillis: number; pulls: number; pullMillis: number }
  >()
  private readonly since: number
  constructor(now: number) {
    this.since = now
  }
  private of(topic: string) {
    let s = this.byTopic.get(topic)
    if (s === undefined) {
      s = { ok: 0, failed: 0, consumeMillis: 0, pulls: 0, pullMillis: 0 }
      this.byTopic.set(topic, s)
    }
    return s
  }
  consumed(topic: string, ok: number, failed: number, millis: number): void {
    const s = this.of(topic)
    s.ok += ok
    s.failed += failed
    s.consumeMillis += millis
  }
  pulled(topic: string, millis: number): void {
    const s = this.of(topic)
    s.pulls += 1
    s.pullMillis += millis
  }
  /** Totals and rates since the consumer started (Java reports them over its sampling windows). */
  status(now: number) {
    const seconds = Math.max(1, (now - this.since) / 1000)
    return new Map(
      [...this.byTopic].map(([topic, s]) => [topic, {
        consumeFailedMsgs: s.failed,
        consumeFailedTPS: s.failed / seconds,
        consumeOKTPS: s.ok / seconds,
        consumeRT: s.ok + s.failed === 0 ? 0 : s.consumeMillis / (s.ok + s.failed),
        pullRT: s.pulls === 0 ? 0 : s.pullMillis / s.pulls,
        pullTPS: s.pulls / seconds
      }])
    )
  }
}

/**
 * A pulled message made ready for the handler (Java: `PullAPIWrapper.processPullResult` and
 * `resetRetryAndNamespace`): a message from the group's retry topic shows its original topic, the namespace is
 * taken off, and the queue's offsets travel as MIN_OFFSET and MAX_OFFSET. As Java's `MessageAccessor.putProperty`,
 * the properties are set on the message's own map, which the pull has just decoded and nothing else holds: no copy
 * per message. A message whose topic changes is a new object sharing that map.
 *
 * @since 0.1.0
 * @category consumer
 */
export const prepareMessage = (
  message: MessageExt,
  group: string,
  namespace: string | undefined,
  offsets: { readonly minOffset: string; readonly maxOffset: string }
): MessageExt => {
  setOwnProperty(message, MessageConst.MIN_OFFSET, offsets.minOffset)
  setOwnProperty(message, MessageConst.MAX_OFFSET, offsets.maxOffset)
  const retryTopic = message.properties[MessageConst.RETRY_TOPIC]
  const original = retryTopic !== undefined && message.topic === RETRY_GROUP_TOPIC_PREFIX + group
    ? retryTopic
    : message.topic
  const topic = namespace ? withoutNamespace(original) : original
  return topic === message.topic ? message : { ...message, topic }
}

/**
 * Sets a property on the map of a message the consumer decoded itself (Java: `MessageAccessor.putProperty`; the
 * consumer stamps `CONSUME_START_TIME` this way before each batch).
 *
 * @since 0.1.0
 * @category consumer
 */
export const setOwnProperty = (message: MessageExt, name: string, value: string): void => {
  ;(message.properties as Record<string, string>)[name] = value
}

/**
 * Whether a message passes the client-side tag filter (Java: `processPullResult`): the broker filters by tag hash,
 * so a message whose tag merely shares a hash with a subscribed one is dropped here.
 *
 * @since 0.1.0
 * @category consumer
 */
export const passesTagFilter = (subscription: SubscriptionData, message: MessageExt): boolean => {
  if (subscription.expressionType !== "TAG" || subscription.tagsSet.length === 0 || subscription.classFilterMode) {
    return true
  }
  const tags = message.properties[MessageConst.TAGS]
  return tags !== undefined && subscription.tagsSet.includes(tags)
}

/**
 * The log annotations of one queue's consumption (group, topic, broker, queue): the pull loop's logs carry them, and
 * so do the consume path's, whose tasks run in the executor's workers.
 *
 * @since 0.1.0
 * @category consumer
 */
export const queueLogAnnotations = (group: string, queue: MessageQueue) => ({
  group,
  topic: queue.topic,
  broker: queue.brokerName,
  queue: queue.queueId
})
