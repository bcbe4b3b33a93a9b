import * as Duration from "effect/Duration"
import type { ConsumeFromWhere, MessageModel } from "../../protocol/bodies/HeartbeatData.js"
import { type AllocateMessageQueueStrategy, averagely } from "../../services/AllocateMessageQueue.js"
import type { ClientInstanceService } from "../../services/ClientInstance.js"
import { litePullConsumerDefaults, type LitePullConsumerOptions } from "../../services/LitePullConsumer.js"
import { wrapNamespace } from "../../services/Namespace.js"

/**
 * A lite pull consumer's settings with every default filled in (Java's defaults, see `LitePullConsumerOptions`).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface LitePullSettings {
  /** The group as it travels (under the namespace). */
  readonly group: string
  readonly clientId: string
  readonly namespace: string | undefined
  readonly messageModel: MessageModel
  readonly consumeFromWhere: ConsumeFromWhere
  readonly consumeTimestamp: number
  readonly strategy: AllocateMessageQueueStrategy
  readonly pullBatchSize: number
  readonly pullThresholdForAll: number
  readonly pullThresholdForQueue: number
  readonly pullThresholdSizeForQueueMiB: number
  readonly consumeMaxSpan: number
  readonly autoCommit: boolean
  readonly autoCommitIntervalMillis: number
  readonly pollTimeoutMillis: number
  readonly pullThreadNums: number
  readonly brokerSuspendMaxMillis: number
  readonly consumerTimeoutWhenSuspend: Duration.Duration
  readonly pullDelayWhenException: Duration.Duration
}

/**
 * Fills in Java's defaults (`litePullConsumerDefaults`); the auto-commit interval is at least 1 s, as Java's setter
 * makes it.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const resolveLitePullSettings = (
  options: LitePullConsumerOptions,
  instance: ClientInstanceService,
  now: number
): LitePullSettings => {
  const d = litePullConsumerDefaults
  return {
    group: wrapNamespace(instance.config.namespace, options.group),
    clientId: instance.clientId,
    namespace: instance.config.namespace,
    messageModel: options.messageModel ?? d.messageModel,
    consumeFromWhere: options.consumeFromWhere ?? d.consumeFromWhere,
    consumeTimestamp: options.consumeTimestamp ?? now - Duration.toMillis(d.consumeTimestampBeforeStart),
    strategy: options.allocateStrategy ?? averagely,
    pullBatchSize: Math.max(1, options.pullBatchSize ?? d.pullBatchSize),
    pullThresholdForAll: options.pullThresholdForAll ?? d.pullThresholdForAll,
    pullThresholdForQueue: options.pullThresholdForQueue ?? d.pullThresholdForQueue,
    pullThresholdSizeForQueueMiB: options.pullThresholdSizeForQueue ?? d.pullThresholdSizeForQueueMiB,
    consumeMaxSpan: options.consumeMaxSpan ?? d.consumeMaxSpan,
    autoCommit: options.autoCommit ?? d.autoCommit,
    autoCommitIntervalMillis: Math.max(
      d.minAutoCommitIntervalMillis,
      options.autoCommitIntervalMillis ?? d.autoCommitIntervalMillis
    ),
    pollTimeoutMillis: Math.max(0, options.pollTimeoutMillis ?? d.pollTimeoutMillis),
    pullThreadNums: options.pullThreadNums ?? d.pullThreadNums,
    brokerSuspendMaxMillis: options.brokerSuspendMaxTimeMillis ?? d.brokerSuspendMaxTimeMillis,
    consumerTimeoutWhenSuspend: Duration.millis(
      options.consumerTimeoutMillisWhenSuspend ?? d.consumerTimeoutMillisWhenSuspend
    ),
    pullDelayWhenException: instance.config.pullTimeDelayWhenException
  }
}
