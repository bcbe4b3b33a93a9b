import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as FiberSet from "effect/FiberSet"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import { encodeTraceRecord, traceKeys, type TraceRecord } from "../../protocol/TraceData.js"
import type { DuplicateGroupError } from "../../services/ClientInstance.js"
import type { ProducerService } from "../../services/Producer.js"
import {
  TRACE_PRODUCER_GROUP_PREFIX,
  TraceDispatcher,
  traceDispatcherDefaults as defaults,
  type TraceDispatcherService
} from "../../services/TraceDispatcher.js"
import type { ProducerOptions } from "../producer/ProducerSettings.js"
import { shutdownStep } from "../ScheduledTask.js"

/**
 * Trace records dropped because the dispatcher's queue was full.
 *
 * @since 0.1.0
 * @category metrics
 */
export const traceDroppedRecords = Metric.counter("rocketmq_trace_dropped_records_total", {
  description: "Message trace records dropped because the trace dispatcher's queue was full"
})

/**
 * Trace messages sent to a trace topic.
 *
 * @since 0.1.0
 * @category metrics
 */
export const traceMessagesSent = Metric.counter("rocketmq_trace_messages_total", {
  description: "Message trace messages sent to trace topics"
})

/**
 * Trace messages whose send failed (logged; their records are lost, as in Java).
 *
 * @since 0.1.0
 * @category metrics
 */
export const traceSendFailures = Metric.counter("rocketmq_trace_send_failures_total", {
  description: "Message trace messages whose send failed"
})

/**
 * The settings of an inner trace producer (Java: `getAndCreateTraceProducer`: 5 s send timeout, 128,000 bytes at
 * most); its own sends are never traced.
 *
 * @since 0.1.0
 * @category message trace
 */
export const innerTraceProducerOptions = (group: string): ProducerOptions => ({
  group,
  sendMsgTimeout: defaults.sendMsgTimeout,
  maxMessageSize: defaults.maxMessageSize
})

/** One trace context queued: the topic its records go to, and when it was queued. */
interface Entry {
  readonly topic: string
  readonly records: ReadonlyArray<TraceRecord>
  readonly at: number
}

/** The records gathered for one trace topic, as text, with their keys (Java: `TraceDataSegment`). */
interface Segment {
  readonly texts: Array<string>
  readonly keys: Set<string>
  size: number
  firstAdded: number
}

/**
 * A trace dispatcher in the current scope (Java: `AsyncTraceDispatcher`), sending through the producer `inner`
 * makes, which is made when the first trace message goes (so that a client whose trace stays off registers no
 * trace producer) and closed with the scope. One fiber takes the queued records, gathers them by trace topic and
 * sends a topic's records as one message once their text nears the inner producer's size limit or 500 ms after the
 * first of them, at most 10 messages in flight (more wait, the queue fills, and what does not fit is dropped:
 * tracing never slows a send). Closing the scope sends what is queued and waits for it, 5 s at most.
 *
 * @since 0.1.0
 * @category message trace
 */
export const make = <R>(
  inner: Effect.Effect<ProducerService, DuplicateGroupError, Scope.Scope | R>
): Effect.Effect<TraceDispatcherService, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // Closed after the flush below (finalizers run in reverse): the producer sends what the flush gives it.
    const producerScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    const context = yield* Effect.context<R>()
    const producer = yield* Effect.cached(Effect.provide(Scope.extend(inner, producerScope), context))
    const clock = yield* Effect.clock
    const sends = yield* FiberSet.make<void, never>()
    const permits = yield* Effect.makeSemaphore(defaults.sendsInFlight)
    const wake = yield* Effect.makeLatch(false)
    const threshold = defaults.maxMessageSize - defaults.sizeMargin
    const waitMillis = Duration.toMillis(defaults.waitTimeThreshold)
    let queued: Array<Entry> = []
    let stopping = false
    /** The fiber waits with nothing gathered: the next record wakes it (else every `batchSize` records do). */
    let idle = false
    const segments = new Map<string, Segment>()

    const sendRecords = (topic: string, data: string, keys: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const sender = yield* producer
        yield* sender.send({ topic, body: Buffer.from(data, "utf8"), keys })
        yield* Metric.increment(traceMessagesSent)
      }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.zipRight(
            Metric.increment(traceSendFailures),
            Effect.logWarning("sending trace data failed", cause).pipe(Effect.annotateLogs({ topic }))
          )
        )
      )

    /** A segment's records handed to a send fiber, waiting while 10 are in flight. */
    const dispatch = (topic: string, segment: Segment) => {
      const data = segment.texts.join("")
      const keys = [...segment.keys]
      segment.texts.length = 0
      segment.keys.clear()
      segment.size = 0
      return Effect.zipRight(
        permits.take(1),
        FiberSet.run(sends, Effect.ensuring(sendRecords(topic, data, keys), permits.release(1)))
      )
    }

    /** Files the queued records by topic; a segment that reaches the size threshold goes at once. */
    const file = (entries: ReadonlyArray<Entry>) =>
      Effect.forEach(entries, (entry) => {
        let segment = segments.get(entry.topic)
        if (segment === undefined) {
          segment = { texts: [], keys: new Set(), size: 0, firstAdded: entry.at }
          segments.set(entry.topic, segment)
        }
        if (segment.texts.length === 0) segment.firstAdded = entry.at
        for (const record of entry.records) {
          const text = encodeTraceRecord(record)
          segment.texts.push(text)
          segment.size += text.length
          for (const key of traceKeys(record)) if (key.length > 0) segment.keys.add(key)
        }
        return segment.size >= threshold ? dispatch(entry.topic, segment) : Effect.void
      }, { discard: true })

    /** Sends the segments that waited long enough (all of them when `all`). */
    const sendDue = (now: number, all: boolean) =>
      Effect.forEach(
        [...segments].filter(([, s]) => s.texts.length > 0 && (all || now - s.firstAdded >= waitMillis)),
        ([topic, segment]) => dispatch(topic, segment),
        { discard: true }
      )

    /** Until the oldest waiting segment is due, or undefined when none waits. */
    const nextDue = (now: number): number | undefined => {
      let due: number | undefined
      for (const s of segments.values()) {
        if (s.texts.length > 0) due = Math.min(due ?? Infinity, s.firstAdded + waitMillis - now)
      }
      return due
    }

    /** One round: wait for records (or the next due segment), file them, send what is due. */
    const round = Effect.gen(function*() {
      wake.unsafeClose()
      if (queued.length === 0 && !stopping) {
        const due = nextDue(clock.unsafeCurrentTimeMillis())
        idle = due === undefined
        yield* idle ? wake.await : Effect.timeoutOption(wake.await, Math.max(0, due!))
        idle = false
      }
      const entries = queued
      queued = []
      yield* file(entries)
      yield* sendDue(clock.unsafeCurrentTimeMillis(), stopping)
    })

    const loop: Effect.Effect<void> = Effect.suspend(() =>
      stopping && queued.length === 0 ? Effect.void : Effect.zipRight(round, loop)
    )
    const worker = yield* Effect.forkScoped(Effect.interruptible(loop))

    const flush = Effect.gen(function*() {
      const entries = queued
      queued = []
      yield* file(entries)
      yield* sendDue(clock.unsafeCurrentTimeMillis(), true)
      yield* FiberSet.awaitEmpty(sends)
    })

    yield* Effect.addFinalizer(() =>
      shutdownStep(
        "trace dispatcher",
        defaults.flushTimeout,
        Effect.gen(function*() {
          stopping = true
          wake.unsafeOpen()
          yield* worker.await
          yield* FiberSet.awaitEmpty(sends)
        })
      )
    )

    return {
      append: (topic, records) =>
        Effect.suspend(() => {
          if (stopping || queued.length >= defaults.queueSize) {
            return Effect.as(Metric.incrementBy(traceDroppedRecords, records.length), false)
          }
          queued.push({ topic, records, at: clock.unsafeCurrentTimeMillis() })
          if (idle || queued.length >= defaults.batchSize) wake.unsafeOpen()
          return Effect.succeed(true)
        }),
      flush
    }
  })

/**
 * The trace dispatcher a producer or consumer whose trace is on uses: its client's (`ClientLive` provides one per
 * client instance), else one of its own, in its scope, whose inner producer's group is named after it as Java names
 * it (`_INNER_TRACE_PRODUCER-<group>-PRODUCE` or `-CONSUME`).
 *
 * @since 0.1.0
 * @category message trace
 */
export const dispatcherFor = <R>(
  owner: { readonly group: string; readonly type: "PRODUCE" | "CONSUME" },
  makeProducer: (options: ProducerOptions) => Effect.Effect<ProducerService, DuplicateGroupError, Scope.Scope | R>
): Effect.Effect<TraceDispatcherService, never, Scope.Scope | R> =>
  Effect.flatMap(Effect.serviceOption(TraceDispatcher), (shared) =>
    Option.isSome(shared)
      ? Effect.succeed(shared.value)
      : make(makeProducer(innerTraceProducerOptions(`${TRACE_PRODUCER_GROUP_PREFIX}-${owner.group}-${owner.type}`))))
