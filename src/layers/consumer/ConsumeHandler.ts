import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import { type ConsumeOutcome, type ConsumerContext, queueLogAnnotations, setOwnProperty } from "./ConsumerContext.js"
import { taggedCounter } from "./ConsumerMetrics.js"
import { appendAfter, appendBefore, traceBefore, type TracedConsume } from "./ConsumeTrace.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

// A push consumer's handler run on a batch, counted, traced and spanned: what the concurrent, orderly and pop consume
// services share (Java: the listener call and its bookkeeping in each service's `ConsumeRequest.run`).

/** Messages consumed by push consumers, by result (tag `result`). */
const consumed = (result: ConsumeResult) =>
  taggedCounter("rocketmq_consumer_consumed_messages_total", "Messages handled by push consumers", "result", result)
const consumedOk = consumed("CONSUME_SUCCESS")
const consumedLater = consumed("RECONSUME_LATER")

/**
 * The handler's effect for a batch; a handler that throws instead of answering an effect is a defect of that effect
 * (Java: a listener's exception counts as RECONSUME_LATER), so it reaches the batch's settling like any failure.
 *
 * @since 0.1.0
 * @category consumer
 */
export const callHandler = (
  context: ConsumerContext,
  messages: ReadonlyArray<MessageExt>,
  queue: MessageQueue
): Effect.Effect<ConsumeOutcome, unknown> => {
  // What `Effect.suspend` would do, without its fiber step (this runs once per batch).
  try {
    return context.handler(messages, { queue })
  } catch (thrown) {
    return Effect.die(thrown)
  }
}

/**
 * Runs the handler on a batch (Java: `ConsumeRequest.run`): a failure or a defect counts as RECONSUME_LATER; an
 * interruption (the consumer closing past its deadline, or the consume timeout's sweep) stays an interruption, so
 * nothing of the batch is settled here. Each batch is a span when a tracer is installed. `startedAt`: the batch's
 * start when the caller has just read the clock (else it is read here).
 *
 * @since 0.1.0
 * @category consumer
 */
export const runHandler = (
  context: ConsumerContext,
  held: HeldQueue,
  messages: ReadonlyArray<MessageExt>,
  startedAt?: number
): Effect.Effect<ConsumeOutcome> =>
  Effect.suspend(() =>
    handleBatch(context, held, messages, startedAt ?? context.clock.unsafeCurrentTimeMillis(), Effect.succeed)
  )

/**
 * What `runHandler` runs, started at once (the caller defers it: a consume task is made as a worker takes it), and
 * `then` applied to the outcome, in the step that meets the handler's end: this runs once per batch (one message by
 * default), so it is written without `Effect.gen`, with no step of its own to defer it or to read the clock, and
 * with no closure but the two that meet the handler's end (the helpers below take what they need as arguments).
 *
 * @since 0.1.0
 * @category consumer
 */
export const handleBatch = <A>(
  context: ConsumerContext,
  held: HeldQueue,
  messages: ReadonlyArray<MessageExt>,
  started: number,
  then: (outcome: ConsumeOutcome) => Effect.Effect<A>
): Effect.Effect<A> => {
  if (!context.tracing) {
    return handleThen(context, held, messages, started, beginBatch(context, messages, started), then)
  }
  // With a span, the batch begins inside it (the handler is called in it) and `then` (the settling) comes after it:
  // the span is the handler's.
  return Effect.flatMap(
    Effect.suspend(() =>
      handleThen(context, held, messages, started, beginBatch(context, messages, started), Effect.succeed)
    ).pipe(Effect.withSpan("PushConsumer.consume", consumeSpan(context, held, messages))),
    then
  )
}

/** A batch begins: each message stamped with its consume start (CONSUME_START_TIME), and the trace's records made. */
const beginBatch = (
  context: ConsumerContext,
  messages: ReadonlyArray<MessageExt>,
  started: number
): TracedConsume | undefined => {
  const stamp = String(started)
  for (const message of messages) setOwnProperty(message, MessageConst.CONSUME_START_TIME, stamp)
  return traceBefore(context.trace, messages, started)
}

/** The handler's run and counting, then `next` applied to its outcome (and the trace's records around it). */
const handleThen = <B>(
  context: ConsumerContext,
  held: HeldQueue,
  messages: ReadonlyArray<MessageExt>,
  started: number,
  traced: TracedConsume | undefined,
  next: (outcome: ConsumeOutcome) => Effect.Effect<B>
): Effect.Effect<B> => {
  const handled = Effect.matchCauseEffect(callHandler(context, messages, held.queue), {
    onFailure: (cause): Effect.Effect<B> => {
      if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
      const ended = countBatch(context, held, messages, started, "RECONSUME_LATER")
      const logged = Effect.logWarning("the handler failed; the messages will be consumed again", cause).pipe(
        Effect.annotateLogs(queueLogAnnotations(context.settings.group, held.queue))
      )
      // The settling is started after the log and the trace's records.
      return Effect.flatMap(
        traced === undefined
          ? logged
          : Effect.zipRight(logged, traceAfter(traced, messages, Exit.failCause(cause), ended)),
        () => next("RECONSUME_LATER")
      )
    },
    onSuccess: (outcome) => {
      const ended = countBatch(context, held, messages, started, outcome)
      return traced === undefined
        ? next(outcome)
        : Effect.flatMap(traceAfter(traced, messages, Exit.succeed(outcome), ended), () => next(outcome))
    }
  })
  return traced === undefined ? handled : Effect.zipRight(appendBefore(traced), handled)
}

/** Counts a batch (stats, the process queue's last consume, the consumed counters) as the handler answered; its end. */
const countBatch = (
  context: ConsumerContext,
  held: HeldQueue,
  messages: ReadonlyArray<MessageExt>,
  started: number,
  outcome: ConsumeOutcome
): number => {
  const ended = context.clock.unsafeCurrentTimeMillis()
  const ok = typeof outcome === "string"
    ? (outcome === "CONSUME_SUCCESS" ? messages.length : 0)
    : (outcome.result === "CONSUME_SUCCESS" ? messages.length - outcome.setApart.length : 0)
  context.stats.consumed(held.queue.topic, ok, messages.length - ok, ended - started)
  held.processQueue.consumedAt(ended)
  if (ok > 0) consumedOk.unsafeUpdate(ok, context.metricLabels)
  if (ok < messages.length) consumedLater.unsafeUpdate(messages.length - ok, context.metricLabels)
  return ended
}

/** The trace's records of a batch's end. */
const traceAfter = (
  traced: TracedConsume,
  messages: ReadonlyArray<MessageExt>,
  exit: Exit.Exit<ConsumeOutcome, unknown>,
  ended: number
) =>
  appendAfter(
    traced,
    messages.length,
    Exit.map(exit, (o): ConsumeResult => typeof o === "string" ? o : o.result),
    ended
  )

/** The span of a batch: where it came from and what it holds, in RocketMQ's and OpenTelemetry's attributes. */
const consumeSpan = (context: ConsumerContext, held: HeldQueue, messages: ReadonlyArray<MessageExt>) => ({
  kind: "consumer" as const,
  captureStackTrace: false,
  attributes: {
    "rocketmq.group": context.settings.group,
    "rocketmq.topic": held.queue.topic,
    "rocketmq.broker": held.queue.brokerName,
    "rocketmq.queue": held.queue.queueId,
    "rocketmq.messages": messages.length,
    // OpenTelemetry's messaging semantic conventions.
    "messaging.system": "rocketmq",
    "messaging.operation.name": "process",
    "messaging.operation.type": "process",
    "messaging.destination.name": held.queue.topic,
    "messaging.destination.partition.id": String(held.queue.queueId),
    "messaging.consumer.group.name": context.settings.group,
    "messaging.rocketmq.client_group": context.settings.group,
    "messaging.rocketmq.consumption_model": context.settings.messageModel === "CLUSTERING"
      ? "clustering"
      : "broadcasting",
    ...(messages.length === 1
      ? { "messaging.message.id": messages[0]!.msgId }
      : { "messaging.batch.message_count": messages.length })
  }
})
