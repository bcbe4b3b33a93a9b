import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import { PullSysFlag } from "../../protocol/headers/ConsumeHeaders.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ProcessQueue } from "../../services/ProcessQueue.js"
import {
  type ConsumerContext,
  FLOW_CONTROL_DELAY,
  OFFSET_ILLEGAL_DROP_DELAY,
  passesTagFilter,
  prepareMessage,
  queueLogAnnotations
} from "./ConsumerContext.js"
import { taggedCounter } from "./ConsumerMetrics.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

/**
 * What the pull loop hands pulled messages to: the concurrent or the orderly consume service.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeService {
  /** New messages of a queue, already in its process queue; `dispatch` is the process queue's answer to them. */
  readonly submit: (held: HeldQueue, messages: ReadonlyArray<MessageExt>, dispatch: boolean) => Effect.Effect<void>
}

/** Times the pull loop waited because a cache was over a limit (tag `limit`). */
const flowControlWaits = (limit: string) =>
  taggedCounter(
    "rocketmq_consumer_flow_control_total",
    "Pulls put off because a queue's cache was over a limit",
    "limit",
    limit
  )
const flowControlWaitsBy = {
  count: flowControlWaits("count"),
  size: flowControlWaits("size"),
  span: flowControlWaits("span")
} as const

/** Messages pulled (after the client-side tag filter). */
const pulledMessages = Metric.counter("rocketmq_consumer_pulled_messages_total", {
  description: "Messages pulled by push consumers"
})

/**
 * The limit the cache of a queue is over, if any (Java: the flow control of `DefaultMQPushConsumerImpl.pullMessage`):
 * message count, body size, and for concurrent consumption the span between the first and last cached offset. A
 * per-topic limit is shared among the topic's queues this consumer holds.
 *
 * @since 0.1.0
 * @category consumer
 */
export const overLimit = (context: ConsumerContext, held: HeldQueue): "count" | "size" | "span" | undefined => {
  const { settings } = context
  const topicQueues = () => Math.max(1, context.processQueues.countOfTopic(held.queue.topic))
  return cacheOverLimit(held.processQueue, {
    maxCount: settings.pullThresholdForTopic > 0
      ? Math.max(1, Math.floor(settings.pullThresholdForTopic / topicQueues()))
      : settings.pullThresholdForQueue,
    maxMiB: settings.pullThresholdSizeForTopicMiB > 0
      ? Math.max(1, Math.floor(settings.pullThresholdSizeForTopicMiB / topicQueues()))
      : settings.pullThresholdSizeForQueueMiB,
    maxSpan: settings.orderly ? undefined : settings.consumeConcurrentlyMaxSpan
  })
}

/**
 * The limit a process queue's cache is over, if any, of a message count, a body size in MiB and (when given) a span
 * between the first and last cached offset: the flow control of the push consumer and of the lite pull consumer.
 *
 * @since 0.1.0
 * @category consumer
 */
export const cacheOverLimit = (
  pq: ProcessQueue,
  limits: { readonly maxCount: number; readonly maxMiB: number; readonly maxSpan: number | undefined }
): "count" | "size" | "span" | undefined => {
  if (pq.count > limits.maxCount) return "count"
  if (pq.bodyBytes / (1024 * 1024) > limits.maxMiB) return "size"
  if (limits.maxSpan !== undefined && pq.maxSpan > limits.maxSpan) return "span"
  return undefined
}

/**
 * Counts one wait of a pull loop over a cache limit (tag `limit`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const countFlowControl = (limit: "count" | "size" | "span") => Metric.increment(flowControlWaitsBy[limit])

/**
 * The pull loop of one queue (Java: `PullMessageService` running `DefaultMQPushConsumerImpl.pullMessage` for a
 * `PullRequest`): long polls from the offset the rebalance gave, caches what it finds and hands it to the consume
 * service, and follows Java's answers to each pull status. Where the next pull starts and which of the broker's nodes
 * it goes to are the loop's own (Java: `PullRequest.nextOffset`, `PullAPIWrapper.pullFromWhichNodeTable`). It ends
 * when the queue is dropped, or after an illegal offset once the corrected offset is stored (the queue leaves the
 * table, and the next rebalance takes it again from there).
 *
 * @since 0.1.0
 * @category consumer
 */
export const pullLoop = (
  context: ConsumerContext,
  consume: ConsumeService,
  held: HeldQueue,
  startOffset: number
): Effect.Effect<void> => {
  const { api, offsetStore, settings, stats } = context
  const pq = held.processQueue
  const { queue } = held
  const clustering = settings.messageModel === "CLUSTERING"
  let nextOffset = startOffset
  let pullFromBrokerId = 0

  const once: Effect.Effect<"again" | "stop"> = Effect.gen(function*() {
    if (pq.dropped) return "stop"
    // The clock and the pulled counter are read and updated without an effect each (this runs once per pull).
    const clock = context.clock
    pq.pulledAt(clock.unsafeCurrentTimeMillis())
    const limit = overLimit(context, held)
    if (limit !== undefined) {
      yield* countFlowControl(limit)
      yield* Effect.sleep(FLOW_CONTROL_DELAY)
      return "again"
    }
    if (settings.orderly && clustering && !pq.locked) {
      // Java: an orderly queue is pulled only while its broker lock is held; the lock task takes it again.
      yield* Effect.sleep(settings.pullDelayWhenException)
      return "again"
    }
    const subscription = context.subscriptions.get(queue.topic)
    if (subscription === undefined) {
      yield* Effect.sleep(settings.pullDelayWhenException)
      return "again"
    }
    const commitOffset = clustering ? yield* Effect.orDie(offsetStore.readOffset(queue, "READ_FROM_MEMORY")) : 0
    const sysFlag = (commitOffset > 0 ? PullSysFlag.COMMIT_OFFSET : 0) | PullSysFlag.SUSPEND |
      PullSysFlag.SUBSCRIPTION
    const started = clock.unsafeCurrentTimeMillis()
    const result = yield* Effect.either(api.pull(queue, pullFromBrokerId, {
      consumerGroup: settings.group,
      queueOffset: nextOffset,
      maxMsgNums: settings.pullBatchSize,
      sysFlag,
      commitOffset: Math.max(0, commitOffset),
      suspendTimeoutMillis: settings.brokerSuspendMaxMillis,
      subscription: subscription.subString,
      subVersion: subscription.subVersion,
      expressionType: subscription.expressionType
    }, settings.consumerTimeoutWhenSuspend))
    if (Either.isLeft(result)) {
      if (pq.dropped) return "stop"
      yield* Effect.logWarning("pull failed; trying again later").pipe(
        Effect.annotateLogs({ error: result.left.message, offset: nextOffset })
      )
      yield* Effect.sleep(settings.pullDelayWhenException)
      return "again"
    }
    const pulled = result.right
    stats.pulled(queue.topic, clock.unsafeCurrentTimeMillis() - started)
    pullFromBrokerId = pulled.suggestWhichBrokerId
    switch (pulled.status) {
      case "FOUND": {
        nextOffset = pulled.nextBeginOffset
        const offsets = { minOffset: String(pulled.minOffset), maxOffset: String(pulled.maxOffset) }
        const messages: Array<MessageExt> = []
        for (const m of pulled.messages) {
          if (passesTagFilter(subscription, m)) {
            messages.push(prepareMessage(m, settings.group, settings.namespace, offsets))
          }
        }
        if (messages.length === 0 || pq.dropped) return "again"
        pulledMessages.unsafeUpdate(messages.length, context.metricLabels)
        const dispatch = pq.putMessages(messages)
        yield* consume.submit(held, messages, dispatch)
        if (settings.pullIntervalMillis > 0) yield* Effect.sleep(Duration.millis(settings.pullIntervalMillis))
        return "again"
      }
      case "NO_NEW_MSG":
      case "NO_MATCHED_MSG": {
        nextOffset = pulled.nextBeginOffset
        // Java's `correctTagsOffset`: with nothing cached, the offset may move past messages filtered out.
        if (pq.count === 0) yield* offsetStore.updateOffset(queue, nextOffset, true)
        return "again"
      }
      case "OFFSET_ILLEGAL": {
        yield* Effect.logWarning("the pull offset is illegal; the queue is dropped and taken again").pipe(
          Effect.annotateLogs({ offset: nextOffset, nextBeginOffset: pulled.nextBeginOffset })
        )
        nextOffset = pulled.nextBeginOffset
        pq.drop()
        yield* Effect.sleep(OFFSET_ILLEGAL_DROP_DELAY)
        yield* offsetStore.updateOffset(queue, nextOffset, false)
        yield* Effect.ignoreLogged(offsetStore.persist(queue))
        context.processQueues.remove(held)
        return "stop"
      }
    }
  })

  return Effect.whileLoop({
    while: () => !pq.dropped,
    body: () =>
      Effect.map(once, (next) => {
        if (next === "stop") pq.drop()
      }),
    step: () => {}
  }).pipe(
    Effect.annotateLogs(queueLogAnnotations(settings.group, queue))
  )
}
