import * as Layer from "effect/Layer"
import { RMQ_SYS_TRACE_TOPIC } from "../protocol/TraceData.js"
import { TRACE_PRODUCER_GROUP_PREFIX, TraceDispatcher } from "../services/TraceDispatcher.js"
import * as ProducerLive from "./ProducerLive.js"
import { innerTraceProducerOptions, make } from "./trace/AsyncTraceDispatcher.js"

export {
  /**
   * Trace records dropped because the dispatcher's queue was full.
   *
   * @since 0.1.0
   * @category metrics
   */
  traceDroppedRecords,
  /**
   * Trace messages sent to a trace topic.
   *
   * @since 0.1.0
   * @category metrics
   */
  traceMessagesSent,
  /**
   * Trace messages whose send failed.
   *
   * @since 0.1.0
   * @category metrics
   */
  traceSendFailures
} from "./trace/AsyncTraceDispatcher.js"

/**
 * The group of a client instance's inner trace producer.
 *
 * @since 0.1.0
 * @category message trace
 */
export const TRACE_PRODUCER_GROUP = `${TRACE_PRODUCER_GROUP_PREFIX}-${RMQ_SYS_TRACE_TOPIC}`

/**
 * The trace dispatcher of a client instance (`ClientLive` includes it): one fiber and, once a record is sent, one
 * inner producer (group `TRACE_PRODUCER_GROUP`) for every producer and consumer of the instance whose message trace
 * is on; with none, it only waits. It sits above the client instance, so that closing the client sends the records
 * queued before the instance unregisters its groups.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = Layer.scoped(
  TraceDispatcher,
  make(ProducerLive.make(innerTraceProducerOptions(TRACE_PRODUCER_GROUP)))
)
