import { Duration } from "effect"
import { wrapNamespace } from "../../services/Namespace.js"
import type { TransactionChecker } from "../../services/Producer.js"

/**
 * Settings of a producer, with Java's defaults (Java: `DefaultMQProducer`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProducerOptions {
  readonly group: string
  /** Java: `retryTimesWhenSendFailed`, 2 (so 3 tries). */
  readonly retryTimesWhenSendFailed?: number | undefined
  /** Java: `compressMsgBodyOverHowmuch`, 4 KiB. */
  readonly compressMsgBodyOverHowmuch?: number | undefined
  /** Java: `maxMessageSize`, 4 MiB. */
  readonly maxMessageSize?: number | undefined
  /** Java: `sendMsgTimeout`, 3 s. */
  readonly sendMsgTimeout?: Duration.DurationInput | undefined
  /** Java: `sendLatencyFaultEnable`, false: avoid brokers that failed or answered slowly, per Java's latency table. */
  readonly sendLatencyFaultEnable?: boolean | undefined
  /** Answers the broker's CHECK_TRANSACTION_STATE for this group (Java: `TransactionMQProducer`'s listener). */
  readonly transactionChecker?: TransactionChecker | undefined
  /** Java: `createTopicKey` and `defaultTopicQueueNums`: the topic new topics are created from, with 4 queues. */
  readonly createTopicKey?: string | undefined
  readonly defaultTopicQueueNums?: number | undefined
}

/**
 * A producer's settings with every default filled in (Java's defaults, see `ProducerOptions`).
 *
 * @since 0.1.0
 * @category producer
 */
export interface ProducerSettings {
  /** The group as it travels (under the client's namespace). */
  readonly group: string
  readonly namespace: string | undefined
  readonly retryTimesWhenSendFailed: number
  readonly compressMsgBodyOverHowmuch: number
  readonly maxMessageSize: number
  readonly sendMsgTimeout: Duration.Duration
  readonly sendLatencyFaultEnable: boolean
  readonly createTopicKey: string
  readonly defaultTopicQueueNums: number
}

/**
 * Fills in Java's defaults; the group goes under the client's namespace (Java: `withNamespace`).
 *
 * @since 0.1.0
 * @category producer
 */
export const resolveSettings = (options: ProducerOptions, namespace: string | undefined): ProducerSettings => ({
  group: wrapNamespace(namespace, options.group),
  namespace,
  retryTimesWhenSendFailed: options.retryTimesWhenSendFailed ?? 2,
  compressMsgBodyOverHowmuch: options.compressMsgBodyOverHowmuch ?? 4096,
  maxMessageSize: options.maxMessageSize ?? 4 * 1024 * 1024,
  sendMsgTimeout: Duration.decode(options.sendMsgTimeout ?? "3 seconds"),
  sendLatencyFaultEnable: options.sendLatencyFaultEnable === true,
  createTopicKey: options.createTopicKey ?? "TBW102",
  defaultTopicQueueNums: options.defaultTopicQueueNums ?? 4
})
