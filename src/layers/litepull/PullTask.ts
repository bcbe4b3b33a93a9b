import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { PullSysFlag } from "../../protocol/headers/ConsumeHeaders.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import { isRocketMQ5 } from "../../protocol/Version.js"
import { litePullConsumerDefaults } from "../../services/LitePullConsumer.js"
import type { ProcessQueue } from "../../services/ProcessQueue.js"
import {
  FLOW_CONTROL_DELAY,
  passesTagFilter,
  prepareMessage,
  queueLogAnnotations
} from "../consumer/ConsumerContext.js"
import { cacheOverLimit, countFlowControl } from "../consumer/PullLoop.js"
import { computePullFromWhere } from "../consumer/Rebalance.js"
import type { AssignedQueue } from "./AssignedQueue.js"
import { type LitePullContext, subscriptionOf } from "./LitePullContext.js"

/**
 * Java: `PullSysFlag.buildSysFlag(false, true, true, false, true)`: long polling, subscription, lite pull. Java 4.9.8
 * sends it with PULL_MESSAGE, Java 5.x with LITE_PULL_MESSAGE, which only 5.x brokers know.
 */
const LITE_PULL_SYS_FLAG = PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION | PullSysFlag.LITE_PULL

/**
 * Whether a lite pull to the broker at `address` goes as LITE_PULL_MESSAGE (361), as Java 5.x sends it: when the
 * broker is RocketMQ 5.x (its heartbeat answers say so, or the `brokerVersion` setting), else as PULL_MESSAGE.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const usesLitePullMessage = (context: LitePullContext) => (address: string): Effect.Effect<boolean> =>
  Effect.map(context.instance.brokerVersion(address), isRocketMQ5)

/**
 * Whether the lite pull consumer should not pull a queue now (Java: the checks at the top of `PullTaskImpl.run`):
 * the buffer over `pullThresholdForAll` (its batches times `pullBatchSize`), or the queue's own buffer over its
 * count, size or span threshold. A loop over a threshold waits until `poll` takes a batch, 50 ms at most, and looks
 * again: nothing is ever dropped.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const litePullOverLimit = (
  context: LitePullContext,
  pq: ProcessQueue
): "all" | "count" | "size" | "span" | undefined => {
  const { cache, settings } = context
  if (cache.size * settings.pullBatchSize > settings.pullThresholdForAll) return "all"
  return cacheOverLimit(pq, {
    maxCount: settings.pullThresholdForQueue,
    maxMiB: settings.pullThresholdSizeForQueueMiB,
    maxSpan: settings.consumeMaxSpan
  })
}

/**
 * The pull loop of one queue of a lite pull consumer (Java: `PullTaskImpl`), run by the client instance's pull
 * message service: waits while the queue is paused or a buffer is over a threshold, long polls from where it stands
 * (first from `startOffset`, else where the committed offset or consume-from-where says), and puts what it finds in
 * the queue's process queue and the consumer's buffer for `poll`. It ends when its process queue is dropped (the
 * queue let go, or a seek, which starts a loop of its own).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const litePullLoop = (
  context: LitePullContext,
  assigned: AssignedQueue,
  pq: ProcessQueue,
  startOffset: number | undefined
): Effect.Effect<void> => {
  const { api, cache, settings, stats } = context
  const { queue } = assigned
  let nextOffset = startOffset ?? -1
  let pullFromBrokerId = 0
  const litePullMessage = usesLitePullMessage(context)

  const pause = (delay: Duration.Duration) => Effect.sleep(delay)

  const once: Effect.Effect<void> = Effect.gen(function*() {
    if (pq.dropped) return
    if (assigned.paused) return yield* pause(litePullConsumerDefaults.pauseDelay)
    const limit = litePullOverLimit(context, pq)
    if (limit !== undefined) {
      if (limit !== "all") yield* countFlowControl(limit)
      return yield* cache.awaitRoom(Duration.toMillis(FLOW_CONTROL_DELAY))
    }
    if (nextOffset < 0) {
      // Java: `nextPullOffset` → `fetchConsumeOffset`: the committed offset, else consume-from-where.
      const from = yield* Effect.either(computePullFromWhere(context, queue))
      if (Either.isLeft(from)) {
        yield* Effect.logWarning("cannot compute where to pull from; trying again later").pipe(
          Effect.annotateLogs({ error: from.left.message })
        )
        return yield* pause(settings.pullDelayWhenException)
      }
      nextOffset = from.right
    }
    const subscription = subscriptionOf(context, queue.topic)
    if (subscription === undefined) return yield* pause(settings.pullDelayWhenException)
    pq.pulledAt(yield* Clock.currentTimeMillis)
    const started = yield* Clock.currentTimeMillis
    const result = yield* Effect.either(api.pull(
      queue,
      pullFromBrokerId,
      {
        consumerGroup: settings.group,
        queueOffset: nextOffset,
        maxMsgNums: settings.pullBatchSize,
        sysFlag: LITE_PULL_SYS_FLAG,
        commitOffset: 0,
        suspendTimeoutMillis: settings.brokerSuspendMaxMillis,
        subscription: subscription.subString,
        subVersion: subscription.expressionType === "TAG" ? 0 : subscription.subVersion,
        expressionType: subscription.expressionType
      },
      settings.consumerTimeoutWhenSuspend,
      litePullMessage
    ))
    if (pq.dropped) return
    if (Either.isLeft(result)) {
      yield* Effect.logWarning("pull failed; trying again later").pipe(
        Effect.annotateLogs({ error: result.left.message, offset: nextOffset })
      )
      return yield* pause(settings.pullDelayWhenException)
    }
    const pulled = result.right
    stats.pulled(queue.topic, (yield* Clock.currentTimeMillis) - started)
    pullFromBrokerId = pulled.suggestWhichBrokerId
    if (pulled.status === "FOUND") {
      const offsets = { minOffset: String(pulled.minOffset), maxOffset: String(pulled.maxOffset) }
      const messages: Array<MessageExt> = []
      for (const m of pulled.messages) {
        if (passesTagFilter(subscription, m)) {
          messages.push(prepareMessage(m, settings.group, settings.namespace, offsets))
        }
      }
      if (messages.length > 0) {
        pq.putMessages(messages)
        cache.put({ assigned, processQueue: pq, messages })
      }
    } else if (pulled.status === "OFFSET_ILLEGAL") {
      yield* Effect.logWarning("the pull offset is illegal; pulling from the broker's next offset").pipe(
        Effect.annotateLogs({ offset: nextOffset, nextBeginOffset: pulled.nextBeginOffset })
      )
    }
    nextOffset = pulled.nextBeginOffset
  })

  return Effect.whileLoop({
    while: () => !pq.dropped,
    body: () => Effect.asVoid(once),
    step: () => {}
  }).pipe(Effect.annotateLogs(queueLogAnnotations(settings.group, queue)))
}
