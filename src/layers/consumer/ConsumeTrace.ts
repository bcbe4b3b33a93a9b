import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { UniqueIdGenerator } from "../../protocol/MessageId.js"
import type { SubAfterTrace, SubBeforeTrace } from "../../protocol/TraceData.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import type { TraceDispatcherService } from "../../services/TraceDispatcher.js"

/**
 * A push consumer's message trace (Java: `ConsumeMessageTraceHookImpl` with its dispatcher): where its records go,
 * its group as records name it (without the namespace), the request ids of its consumes and its consume timeout.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeTracer {
  readonly dispatcher: TraceDispatcherService
  readonly traceTopic: string
  readonly group: string
  readonly requestIds: UniqueIdGenerator
  readonly consumeTimeoutMillis: number
}

/**
 * The SubBefore records of a batch about to be handled (Java: `consumeMessageBefore`): one per message whose
 * broker did not turn trace off (`TRACE_ON=false`), all with one request id, the batch's start and the region of
 * the messages; undefined when none is traced.
 *
 * @since 0.1.0
 * @category consumer
 */
export const subBefore = (
  tracer: ConsumeTracer,
  messages: ReadonlyArray<MessageExt>,
  now: number
): ReadonlyArray<SubBeforeTrace> | undefined => {
  const traced = messages.filter((message) => message.properties[MessageConst.TRACE_ON] !== "false")
  if (traced.length === 0) return undefined
  const requestId = tracer.requestIds.next(now)
  // Java sets the context's region from each message in turn: the last one's stands.
  const regionId = traced[traced.length - 1]!.properties[MessageConst.MSG_REGION]
  return traced.map((message) => ({
    _tag: "SubBefore",
    timeStamp: now,
    regionId,
    groupName: tracer.group,
    requestId,
    msgId: message.msgId,
    retryTimes: message.reconsumeTimes,
    keys: message.properties[MessageConst.KEYS]
  }))
}

/** Java: `ConsumeReturnType` ordinals. */
const ConsumeReturnType = { SUCCESS: 0, TIME_OUT: 1, EXCEPTION: 2, FAILED: 4 } as const

/**
 * The SubAfter records of a handled batch (Java: `consumeMessageAfter`): the batch's time divided by its message
 * count, success for CONSUME_SUCCESS, and Java's return type: EXCEPTION for a failed handler, TIME_OUT past the
 * consume timeout, FAILED for RECONSUME_LATER.
 *
 * @since 0.1.0
 * @category consumer
 */
export const subAfter = (
  tracer: ConsumeTracer,
  before: ReadonlyArray<SubBeforeTrace>,
  batchSize: number,
  exit: Exit.Exit<ConsumeResult, unknown>,
  now: number
): ReadonlyArray<SubAfterTrace> => {
  const started = before[0]!.timeStamp
  const result = Exit.isSuccess(exit) ? exit.value : undefined
  const contextCode = result === undefined
    ? ConsumeReturnType.EXCEPTION
    : now - started >= tracer.consumeTimeoutMillis
    ? ConsumeReturnType.TIME_OUT
    : result === "RECONSUME_LATER"
    ? ConsumeReturnType.FAILED
    : ConsumeReturnType.SUCCESS
  const costTime = Math.trunc((now - started) / batchSize)
  return before.map((record) => ({
    _tag: "SubAfter",
    requestId: record.requestId,
    msgId: record.msgId,
    costTime,
    success: result === "CONSUME_SUCCESS",
    keys: record.keys,
    contextCode,
    timeStamp: now,
    groupName: tracer.group
  }))
}

/**
 * A batch being handled with trace on: its tracer and SubBefore records.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface TracedConsume {
  readonly tracer: ConsumeTracer
  readonly records: ReadonlyArray<SubBeforeTrace>
}

/**
 * Records a batch about to be handled (SubBefore), or nothing when trace is off (a single check) or no message of
 * the batch is traced.
 *
 * @since 0.1.0
 * @category consumer
 */
export const traceBefore = (
  tracer: ConsumeTracer | undefined,
  messages: ReadonlyArray<MessageExt>,
  now: number
): TracedConsume | undefined => {
  if (tracer === undefined) return undefined
  const records = subBefore(tracer, messages, now)
  return records === undefined ? undefined : { tracer, records }
}

/**
 * Queues a batch's SubBefore records.
 *
 * @since 0.1.0
 * @category consumer
 */
export const appendBefore = (traced: TracedConsume): Effect.Effect<boolean> =>
  traced.tracer.dispatcher.append(traced.tracer.traceTopic, traced.records)

/**
 * Queues a handled batch's SubAfter records.
 *
 * @since 0.1.0
 * @category consumer
 */
export const appendAfter = (
  traced: TracedConsume,
  batchSize: number,
  exit: Exit.Exit<ConsumeResult, unknown>,
  now: number
): Effect.Effect<boolean> =>
  traced.tracer.dispatcher.append(
    traced.tracer.traceTopic,
    subAfter(traced.tracer, traced.records, batchSize, exit, now)
  )
