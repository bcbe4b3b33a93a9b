import * as Duration from "effect/Duration"
import { wrapNamespace } from "../../services/Namespace.js"
import type { TransactionChecker } from "../../services/Producer.js"
import type { MessageTraceOptions } from "../../services/TraceDispatcher.js"

/**
 * Settings of a producer, with Java's defaults (Java: `DefaultMQProducer`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProducerOptions extends MessageTraceOptions {
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
 * Java's defaults of a producer's options (`DefaultMQProducer`), written once: `resolveSettings` fills them in.
 *
 * @since 0.1.0
 * @category producer
 */
export const producerDefaults = {
  retryTimesWhenSendFailed: 2,
  compressMsgBodyOverHowmuch: 4096,
  maxMessageSize: 4 * 1024 * 1024,
  sendMsgTimeout: Duration.seconds(3),
  sendLatencyFaultEnable: false,
  createTopicKey: "TBW102",
  defaultTopicQueueNums: 4
} as const

/**
 * Fills in Java's defaults (`producerDefaults`); the group goes under the client's namespace (Java: `withNamespace`).
 *
 * @since 0.1.0
 * @category producer
 */
export const resolveSettings = (options: ProducerOptions, namespace: string | undefined): ProducerSettings => {
  const d = producerDefaults
  return {
    group: wrapNamespace(namespace, options.group),
    namespace,
    retryTimesWhenSendFailed: options.retryTimesWhenSendFailed ?? d.retryTimesWhenSendFailed,
    compressMsgBodyOverHowmuch: options.compressMsgBodyOverHowmuch ?? d.compressMsgBodyOverHowmuch,
    maxMessageSize: options.maxMessageSize ?? d.maxMessageSize,
    sendMsgTimeout: options.sendMsgTimeout === undefined ? d.sendMsgTimeout : Duration.decode(options.sendMsgTimeout),
    sendLatencyFaultEnable: options.sendLatencyFaultEnable ?? d.sendLatencyFaultEnable,
    createTopicKey: options.createTopicKey ?? d.createTopicKey,
    defaultTopicQueueNums: options.defaultTopicQueueNums ?? d.defaultTopicQueueNums
  }
}
