import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { TraceRecord } from "../protocol/TraceData.js"

/**
 * Message trace settings of a producer or push consumer (Java: `enableMsgTrace` and `customizedTraceTopic` of
 * `DefaultMQProducer` / `DefaultMQPushConsumer`).
 *
 * @since 0.1.0
 * @category message trace
 */
export interface MessageTraceOptions {
  /**
   * Java: `enableMsgTrace`, false: record each send (Pub, EndTransaction) or each consume (SubBefore, SubAfter) in
   * RocketMQ's own trace format, sent to the trace topic, where `mqadmin queryMsgTraceById` finds it.
   */
  readonly enableMsgTrace?: boolean | undefined
  /** Java: `customizedTraceTopic`, `RMQ_SYS_TRACE_TOPIC`. */
  readonly customizedTraceTopic?: string | undefined
}

/**
 * Java's settings of the trace dispatcher (`AsyncTraceDispatcher`), written once.
 *
 * @since 0.1.0
 * @category message trace
 */
export const traceDispatcherDefaults = {
  /** Records (Java: trace contexts) waiting to be sent at most; more are dropped and counted (Java: 1024). */
  queueSize: 1024,
  /**
   * Records taken at once (Java: `batchSize`, 100): the dispatcher's fiber is woken by the first record queued, then
   * while it gathers by every 100 (and when the oldest is due).
   */
  batchSize: 100,
  /** The inner trace producer's `maxMessageSize` (Java: 128,000). */
  maxMessageSize: 128_000,
  /** A topic's records go as one message once their text reaches `maxMessageSize` less this (Java: 10,000). */
  sizeMargin: 10_000,
  /** A topic's records go at the latest this long after the first of them was queued (Java: 500 ms). */
  waitTimeThreshold: Duration.millis(500),
  /** The inner trace producer's `sendMsgTimeout` (Java: 5 s). */
  sendMsgTimeout: Duration.seconds(5),
  /** Trace messages in flight at most (Java: the trace executor's 10 core threads). */
  sendsInFlight: 10,
  /** How long closing waits for the records queued to be sent. */
  flushTimeout: Duration.seconds(5)
} as const

/**
 * The prefix of the inner trace producer's group (Java: `TraceConstants.GROUP_NAME_PREFIX`).
 *
 * @since 0.1.0
 * @category message trace
 */
export const TRACE_PRODUCER_GROUP_PREFIX = "_INNER_TRACE_PRODUCER"

/**
 * Collects trace records and sends them to their trace topic in batches through an inner producer (Java:
 * `AsyncTraceDispatcher`). `append` never waits and never fails: when the queue is full the records are dropped
 * and counted (`rocketmq_trace_dropped_records_total`). Closing its scope sends what is queued (bounded).
 *
 * @since 0.1.0
 * @category message trace
 */
export interface TraceDispatcherService {
  /** Queues the records of one trace context (Java: `append`): true when queued, false when dropped. */
  readonly append: (topic: string, records: ReadonlyArray<TraceRecord>) => Effect.Effect<boolean>
  /** Sends every record queued now and waits for those sends (Java: `flush`). */
  readonly flush: Effect.Effect<void>
}

/**
 * The trace dispatcher of a client instance (`ClientLive` provides one, shared by its producers and consumers whose
 * message trace is on; without one, each of them makes its own).
 *
 * @since 0.1.0
 * @category message trace
 */
export class TraceDispatcher extends Context.Tag("effect-rocketmq/TraceDispatcher")<
  TraceDispatcher,
  TraceDispatcherService
>() {}
