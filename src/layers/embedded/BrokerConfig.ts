import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { Version } from "../../protocol/Version.js"
import type { AclAccount } from "./AclValidator.js"
import type { TransactionCheckOptions } from "./Transactions.js"

/**
 * Settings of an embedded broker, with the Java broker's defaults (Java: `BrokerConfig`, `MessageStoreConfig`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface BrokerOptions {
  readonly brokerName: string
  readonly clusterName: string
  /** Java: `autoCreateTopicEnable`, true. */
  readonly autoCreateTopicEnable: boolean
  /** Queues of the default topic TBW102 (Java: `defaultTopicQueueNums`, 8). */
  readonly defaultTopicQueueNums: number
  /** Java: `maxMessageSize`, 4 MiB. */
  readonly maxMessageSize: number
  /** Java: `regionId`, "DefaultRegion". */
  readonly region: string
  /** Java: `messageDelayLevel`. */
  readonly messageDelayLevel: string
  /** Java: `transactionTimeOut` (6 s), `transactionCheckInterval` (60 s), `transactionCheckMax` (15). */
  readonly transactions: TransactionCheckOptions
  /**
   * Java: `traceTopicEnable` (false in Java; the embedded cluster turns it on, so that message trace works out of
   * the box): the broker creates the trace topic `msgTraceTopicName` (Java: `RMQ_SYS_TRACE_TOPIC`) with one queue.
   */
  readonly traceTopicEnable?: boolean | undefined
  readonly msgTraceTopicName?: string | undefined
  /** The access list (Java: `aclEnable` with `plain_acl.yml`); none, the default, lets every request through. */
  readonly acl?: ReadonlyArray<AclAccount> | undefined
  /**
   * The RocketMQ line the broker behaves as: "4.9" (the default) or "5.0", which adds pop consumption (POP_MESSAGE,
   * ACK_MESSAGE, CHANGE_MESSAGE_INVISIBLETIME with invisibility and revival), QUERY_ASSIGNMENT and
   * SET_MESSAGE_REQUEST_MODE, timer messages, and 5.0's answers where they differ.
   */
  readonly version?: "4.9" | "5.0" | undefined
}

/**
 * The version the broker announces (Java: `MQVersion.CURRENT_VERSION`, the `version` of its answers to heartbeats,
 * which clients keep, and of its runtime info): 4.9.8's, or 5.0.0's in 5.0 mode, as the brokers captured did.
 *
 * @since 0.1.0
 * @category embedded
 */
export const brokerVersionOf = (
  options: Pick<BrokerOptions, "version">
): { readonly version: number; readonly desc: string } =>
  options.version === "5.0" ? { version: Version.V5_0_0, desc: "V5_0_0" } : { version: Version.V4_9_8, desc: "V4_9_8" }

/**
 * The broker's default delay levels (Java: `MessageStoreConfig.messageDelayLevel`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const DEFAULT_DELAY_LEVELS = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"

/**
 * The durations of a delay-level string such as "1s 5s 10s 1m 2h" (Java: `ScheduleMessageService.parseDelayLevel`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const parseDelayLevels = (levels: string): Either.Either<ReadonlyArray<Duration.Duration>, string> =>
  Either.all(
    levels.trim().split(/\s+/).map((level) => {
      const unit = level.slice(-1) as "s" | "m" | "h" | "d"
      const amount = Number(level.slice(0, -1))
      const millis = ({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const)[unit]
      return millis === undefined || !Number.isFinite(amount) || amount < 0
        ? Either.left(`not a delay level: ${JSON.stringify(level)} (a number and s, m, h or d)`)
        : Either.right(Duration.millis(amount * millis))
    })
  )

/**
 * The topic that holds delayed messages until they are due (Java: `TopicValidator.RMQ_SYS_SCHEDULE_TOPIC`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX"

/**
 * The default topic from which topics are created on first send (Java: `TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const DEFAULT_TOPIC = "TBW102"

/**
 * The retry and dead-letter prefixes, kept with the protocol's constants (Java: `MixAll`).
 *
 * @since 0.1.0
 * @category embedded
 */
export { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
