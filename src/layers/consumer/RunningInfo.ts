import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { ConsumerRunningInfo, ProcessQueueInfo } from "../../protocol/bodies/ConsumerRunningInfo.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { ProcessQueue } from "../../services/ProcessQueue.js"
import type { QueueState } from "../../services/PushConsumer.js"
import type { ConsumerContext } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

/** The offset to commit a held queue has now, -1 when none. */
const commitOffsetOf = (context: ConsumerContext, held: HeldQueue) =>
  Effect.orElseSucceed(context.offsetStore.readOffset(held.queue, "READ_FROM_MEMORY"), () => -1)

/**
 * What each queue held looks like now: its cache, the offset it would commit, its lock.
 *
 * @since 0.1.0
 * @category consumer
 */
export const queueStates = (context: ConsumerContext): Effect.Effect<ReadonlyArray<QueueState>> =>
  Effect.suspend(() =>
    Effect.forEach(context.processQueues.all(), (h) =>
      Effect.map(commitOffsetOf(context, h), (commitOffset) => ({
        queue: h.queue,
        cachedMessageCount: h.processQueue.count,
        cachedMessageBytes: h.processQueue.bodyBytes,
        commitOffset,
        locked: h.processQueue.locked
      })))
  )

/**
 * One queue's line of the running info (Java: `ProcessQueue.fillProcessQueueInfo`): its cache, commit offset and lock.
 *
 * @since 0.1.0
 * @category consumer
 */
export const processQueueInfo = (
  queue: MessageQueue,
  pq: ProcessQueue,
  commitOffset: number
): { messageQueue: MessageQueue; info: ProcessQueueInfo } => {
  const range = pq.cachedRange
  return {
    messageQueue: queue,
    info: {
      commitOffset,
      cachedMsgMinOffset: range.min,
      cachedMsgMaxOffset: range.max,
      cachedMsgCount: pq.count,
      cachedMsgSizeInMiB: Math.floor(pq.bodyBytes / (1024 * 1024)),
      transactionMsgMinOffset: 0,
      transactionMsgMaxOffset: 0,
      transactionMsgCount: 0,
      locked: pq.locked,
      tryUnlockTimes: pq.tryUnlockTimes,
      lastLockTimestamp: pq.lastLockTimestamp,
      droped: pq.dropped,
      lastPullTimestamp: pq.lastPullTimestamp,
      lastConsumeTimestamp: pq.lastConsumeTimestamp
    }
  }
}

/**
 * The consumer's running info, as GET_CONSUMER_RUNNING_INFO answers it (Java: `consumerRunningInfo`): its settings,
 * subscriptions, each queue's process-queue info and the consume statistics by topic.
 *
 * @since 0.1.0
 * @category consumer
 */
export const runningInfo = (context: ConsumerContext, started: number): Effect.Effect<ConsumerRunningInfo> =>
  Effect.gen(function*() {
    const { settings } = context
    const now = yield* Clock.currentTimeMillis
    const mqTable = yield* Effect.forEach(
      context.processQueues.all(),
      (h) => Effect.map(commitOffsetOf(context, h), (offset) => processQueueInfo(h.queue, h.processQueue, offset))
    )
    return {
      properties: {
        consumerGroup: settings.group,
        messageModel: settings.messageModel,
        consumeFromWhere: settings.consumeFromWhere,
        consumeMessageBatchMaxSize: String(settings.consumeBatchSize),
        pullBatchSize: String(settings.pullBatchSize),
        pullThresholdForQueue: String(settings.pullThresholdForQueue),
        maxReconsumeTimes: String(settings.maxReconsumeTimes),
        PROP_CONSUMEORDERLY: String(settings.orderly),
        PROP_CONSUME_TYPE: "CONSUME_PASSIVELY",
        PROP_THREADPOOL_CORE_SIZE: String(yield* context.executor.concurrency),
        PROP_CONSUMER_START_TIMESTAMP: String(started)
      },
      subscriptionSet: [...context.subscriptions.values()],
      mqTable,
      statusTable: Object.fromEntries(context.stats.status(now))
    }
  })
