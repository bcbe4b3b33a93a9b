import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { ConsumerRunningInfo } from "../../protocol/bodies/ConsumerRunningInfo.js"
import { processQueueInfo } from "../consumer/RunningInfo.js"
import type { LitePullContext } from "./LitePullContext.js"

/**
 * A lite pull consumer's running info, as GET_CONSUMER_RUNNING_INFO answers it (Java: `consumerRunningInfo`, its
 * properties those of `DefaultLitePullConsumer`): settings, subscriptions, each queue held (its buffer and committed
 * offset) and the pull statistics by topic.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const litePullRunningInfo = (context: LitePullContext, started: number): Effect.Effect<ConsumerRunningInfo> =>
  Effect.gen(function*() {
    const { offsetStore, settings, stats, table } = context
    const now = yield* Clock.currentTimeMillis
    const mqTable = yield* Effect.forEach(table.all(), (a) =>
      Effect.map(
        Effect.orElseSucceed(offsetStore.readOffset(a.queue, "READ_FROM_MEMORY"), () => -1),
        (committed) => processQueueInfo(a.queue, a.processQueue, committed)
      ))
    return {
      properties: {
        consumerGroup: settings.group,
        messageModel: settings.messageModel,
        consumeFromWhere: settings.consumeFromWhere,
        allocateMessageQueueStrategy: settings.strategy.name,
        pullBatchSize: String(settings.pullBatchSize),
        pullThresholdForAll: String(settings.pullThresholdForAll),
        pullThresholdForQueue: String(settings.pullThresholdForQueue),
        pullThresholdSizeForQueue: String(settings.pullThresholdSizeForQueueMiB),
        consumeMaxSpan: String(settings.consumeMaxSpan),
        autoCommit: String(settings.autoCommit),
        autoCommitIntervalMillis: String(settings.autoCommitIntervalMillis),
        pollTimeoutMillis: String(settings.pollTimeoutMillis),
        pullThreadNums: String(settings.pullThreadNums),
        brokerSuspendMaxTimeMillis: String(settings.brokerSuspendMaxMillis),
        PROP_CONSUME_TYPE: "CONSUME_ACTIVELY",
        PROP_CONSUMER_START_TIMESTAMP: String(started)
      },
      subscriptionSet: [...context.subscriptions.values()],
      mqTable,
      statusTable: Object.fromEntries(stats.status(now))
    }
  })
