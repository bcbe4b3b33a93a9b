/**
 * Fault simulations: what a run records (its `History`) and the invariants checked over it, as plain functions
 * (see `Simulation`).
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"
import type { TimelineAction } from "./SimulationSchedule.js"

/**
 * How a handler's batch ended: its result, a failure of the handler, or interrupted (a consumer closed past its
 * shutdown deadline).
 * @since 0.1.0
 * @category history
 */
export type BatchOutcome = "CONSUME_SUCCESS" | "RECONSUME_LATER" | "FAILED" | "INTERRUPTED"

/** One message of a delivered batch. @since 0.1.0 @category history */
export interface DeliveredMessage {
  readonly offset: number
  readonly key: string
  readonly reconsumeTimes: number
}

type Batch = { readonly consumer: string; readonly batch: number }
type QueueOffset = { readonly queue: MessageQueue; readonly offset: number; readonly at: number }

/**
 * What happened during a simulation, in the order the runner saw it. Times are milliseconds of the runner's clock.
 * `consumer` names one start of a consumer slot (`c0#1`: slot 0, second start).
 * @since 0.1.0
 * @category history
 */
export type HistoryEvent = Data.TaggedEnum<{
  /** A send acknowledged (SEND_OK or another status with a queue offset). */
  Acknowledged: { readonly producer: number; readonly sequence: number; readonly key: string } & QueueOffset
  /** A batch handed to a handler, from the queue the consumer pulled it from (a `%RETRY%` queue for retries). */
  Delivered: Batch & { readonly orderly: boolean; readonly queue: MessageQueue; readonly at: number } & {
    readonly messages: ReadonlyArray<DeliveredMessage>
  }
  /** The end of a delivered batch's handler. */
  Completed: Batch & { readonly outcome: BatchOutcome; readonly at: number }
  /** The group's committed offset of a queue, as the broker answered QUERY_CONSUMER_OFFSET. */
  OffsetRead: QueueOffset
  /** A timeline step played; `applied` is false when it could not take effect (say, the consumer was closed). */
  Step: { readonly action: TimelineAction; readonly applied: boolean; readonly at: number }
}>

/** Constructors and matchers of `HistoryEvent`. @since 0.1.0 @category history */
export const HistoryEvent = Data.taggedEnum<HistoryEvent>()

/** A simulation's record: its events in order and the topic of the workload. @since 0.1.0 @category history */
export interface History {
  readonly topic: string
  readonly events: ReadonlyArray<HistoryEvent>
}

/** A broken invariant, as data. @since 0.1.0 @category invariants */
export type Violation = Data.TaggedEnum<{
  /** An acknowledged message no handler ever completed with CONSUME_SUCCESS. */
  Lost: { readonly key: string; readonly producer: number; readonly sequence: number }
  /** An orderly batch handed over before every earlier message of its queue had been consumed. */
  OutOfOrder: { readonly consumer: string; readonly queue: string; readonly offsets: ReadonlyArray<number> } & {
    readonly consumedUpTo: number
  }
  /** A committed offset lower than the one read before it, on a queue only one consumer start ever held. */
  OffsetWentBack: { readonly queue: string; readonly from: number; readonly to: number }
  /** A committed offset past a message no handler had finished. */
  OffsetPassedUnconsumed: { readonly queue: string; readonly offset: number; readonly consumedUpTo: number }
  /** Fibers still alive after every scope of the simulation closed. */
  FibersLeft: { readonly count: number }
  /** Sockets (connections or listening servers) still open after every scope of the simulation closed. */
  SocketsLeft: { readonly count: number }
}>

/** Constructors and matchers of `Violation`. @since 0.1.0 @category invariants */
export const Violation = Data.taggedEnum<Violation>()

type Delivered = Extract<HistoryEvent, { readonly _tag: "Delivered" }>

/** Which completed batches count as consumed for a queue's prefix. */
type Counts = (delivered: Delivered, outcome: BatchOutcome) => boolean

/**
 * Walks the history keeping, for each queue of the workload's topic, the consumed prefix: the smallest offset
 * (from 0) not yet finished by a batch that `counts`. `visit` sees each event with the prefix as it stood before it.
 */
const walkPrefixes = (
  history: History,
  counts: Counts,
  visit: (event: HistoryEvent, prefix: (queue: MessageQueue) => number) => void
): void => {
  const batches = new Map<string, Delivered>()
  const done = new Map<string, { next: number; finished: Set<number> }>()
  const prefix = (queue: MessageQueue) => done.get(messageQueueKey(queue))?.next ?? 0
  for (const event of history.events) {
    visit(event, prefix)
    if (event._tag === "Delivered") batches.set(`${event.consumer}/${event.batch}`, event)
    if (event._tag !== "Completed") continue
    const batch = batches.get(`${event.consumer}/${event.batch}`)
    if (batch === undefined || batch.queue.topic !== history.topic || !counts(batch, event.outcome)) continue
    const key = messageQueueKey(batch.queue)
    const state = done.get(key) ?? { next: 0, finished: new Set<number>() }
    for (const m of batch.messages) state.finished.add(m.offset)
    while (state.finished.has(state.next)) state.next++
    done.set(key, state)
  }
}

/** The keys each handler finished with CONSUME_SUCCESS, with how many times. */
const consumedKeys = (history: History): Map<string, number> => {
  const batches = new Map<string, Delivered>()
  const consumed = new Map<string, number>()
  for (const event of history.events) {
    if (event._tag === "Delivered") batches.set(`${event.consumer}/${event.batch}`, event)
    if (event._tag !== "Completed" || event.outcome !== "CONSUME_SUCCESS") continue
    for (const m of batches.get(`${event.consumer}/${event.batch}`)?.messages ?? []) {
      consumed.set(m.key, (consumed.get(m.key) ?? 0) + 1)
    }
  }
  return consumed
}

/**
 * Invariant: every acknowledged message was consumed (its handler returned CONSUME_SUCCESS) at least once.
 * @since 0.1.0
 * @category invariants
 */
export const everyAcknowledgedConsumed = (history: History): ReadonlyArray<Violation> => {
  const consumed = consumedKeys(history)
  return history.events.flatMap((e) =>
    e._tag === "Acknowledged" && !consumed.has(e.key)
      ? [Violation.Lost({ key: e.key, producer: e.producer, sequence: e.sequence })]
      : []
  )
}

/**
 * Invariant of orderly consumption, per queue: a batch is handed over only once every earlier message of its queue
 * has been consumed, and its offsets increase. So, within one consumer's holding of a queue, offsets strictly
 * increase; a step back (a redelivery after a suspended batch, a rebalance or a restart) starts at or below the
 * consumed prefix, which is at least the committed offset; nothing is ever skipped.
 * @since 0.1.0
 * @category invariants
 */
export const orderlyPerQueueOrder = (history: History): ReadonlyArray<Violation> => {
  const violations: Array<Violation> = []
  walkPrefixes(history, (_, outcome) => outcome === "CONSUME_SUCCESS", (event, prefix) => {
    if (event._tag !== "Delivered" || !event.orderly || event.queue.topic !== history.topic) return
    const offsets = event.messages.map((m) => m.offset)
    const consumedUpTo = prefix(event.queue)
    const increasing = offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)
    if (!increasing || (offsets[0] ?? 0) > consumedUpTo) {
      violations.push(
        Violation.OutOfOrder({ consumer: event.consumer, queue: messageQueueKey(event.queue), offsets, consumedUpTo })
      )
    }
  })
  return violations
}

/** Whether a played step may move queues between consumers (anything but latency and failed sends or pulls). */
const movesQueues = (event: HistoryEvent): boolean =>
  event._tag === "Step" && event.applied && event.action._tag !== "RemoveLatency" &&
  !(event.action._tag === "Begin" && (event.action.fault._tag === "Latency" ||
    (event.action.fault._tag === "FailRequests" && event.action.fault.request !== "HEART_BEAT")))

/** Each drop of a queue's committed offset between two reads, and whether the queue may have changed hands by then. */
const offsetDrops = (history: History) => {
  const holders = new Map<string, Set<string>>()
  const last = new Map<string, number>()
  let moved = false
  const drops: Array<{ readonly queue: string; readonly from: number; readonly to: number; readonly moved: boolean }> =
    []
  for (const event of history.events) {
    moved ||= movesQueues(event)
    if (event._tag === "Delivered") {
      const queue = messageQueueKey(event.queue)
      holders.set(queue, (holders.get(queue) ?? new Set()).add(event.consumer))
    }
    if (event._tag !== "OffsetRead" || event.queue.topic !== history.topic) continue
    const queue = messageQueueKey(event.queue)
    const before = last.get(queue)
    const changedHands = moved || (holders.get(queue)?.size ?? 0) > 1
    if (before !== undefined && event.offset < before) {
      drops.push({ queue, from: before, to: event.offset, moved: changedHands })
    }
    last.set(queue, event.offset)
  }
  return drops
}

/**
 * Committed offsets that went back (allowed, counted): a queue that changed hands may have its offset set back by a
 * consumer that read it before its last holder's final persist (as in Java: each side of a rebalance acts on its
 * own), which means messages delivered again, never lost.
 * @since 0.1.0
 * @category invariants
 */
export const offsetRegressions = (history: History): number => offsetDrops(history).length

/**
 * Invariant of committed offsets, per queue, as read from the broker: never past a message no handler had finished
 * (for concurrent consumers a batch sent back, RECONSUME_LATER or failed, counts as finished: its retry lives in the
 * `%RETRY%` topic); and never lower than the read before unless the queue may have changed hands by then (delivered
 * by two consumer starts, or a step played that moves queues: see `offsetRegressions`).
 * @since 0.1.0
 * @category invariants
 */
export const committedOffsetsSound = (history: History): ReadonlyArray<Violation> => {
  const violations: Array<Violation> = offsetDrops(history).flatMap(({ moved, ...drop }) =>
    moved ? [] : [Violation.OffsetWentBack(drop)]
  )
  const counts: Counts = (batch, outcome) =>
    outcome === "CONSUME_SUCCESS" || (!batch.orderly && outcome !== "INTERRUPTED")
  walkPrefixes(history, counts, (event, prefix) => {
    if (event._tag !== "OffsetRead" || event.queue.topic !== history.topic) return
    const consumedUpTo = prefix(event.queue)
    if (event.offset > consumedUpTo) {
      const queue = messageQueueKey(event.queue)
      violations.push(Violation.OffsetPassedUnconsumed({ queue, offset: event.offset, consumedUpTo }))
    }
  })
  return violations
}

/**
 * Duplicates (allowed: RocketMQ delivers at least once): keys consumed more than once, and how many consumptions past
 * the first there were in all.
 * @since 0.1.0
 * @category invariants
 */
export const duplicates = (history: History): { readonly keys: number; readonly extraDeliveries: number } => {
  const counts = [...consumedKeys(history).values()].filter((n) => n > 1)
  return { keys: counts.length, extraDeliveries: counts.reduce((sum, n) => sum + n - 1, 0) }
}

/**
 * What a simulation found: the workload's figures, the duplicates, the timeline steps played and every violation.
 * @since 0.1.0
 * @category reports
 */
export interface SimulationReport {
  readonly acknowledged: number
  readonly consumed: number
  readonly deliveredBatches: number
  /** Batches whose handler was interrupted (a consumer closed past its deadline). */
  readonly interruptedBatches: number
  readonly duplicateKeys: number
  readonly extraDeliveries: number
  /** Times a committed offset went back after its queue changed hands (allowed: see `offsetRegressions`). */
  readonly offsetRegressions: number
  readonly offsetReads: number
  readonly stepsApplied: number
  readonly stepsSkipped: number
  readonly violations: ReadonlyArray<Violation>
}

/**
 * What the runner found still there once every scope of the run closed: fibers alive, sockets open.
 * @since 0.1.0
 * @category invariants
 */
export interface Leftovers {
  readonly fibersLeft: number
  readonly socketsLeft: number
}

/**
 * Checks every invariant of a history, with the fibers and sockets the runner found left once its scopes closed.
 * @since 0.1.0
 * @category invariants
 */
export const checkHistory = (history: History, { fibersLeft, socketsLeft }: Leftovers): SimulationReport => {
  const steps = history.events.filter((e) => e._tag === "Step")
  const dups = duplicates(history)
  return {
    acknowledged: history.events.filter((e) => e._tag === "Acknowledged").length,
    consumed: consumedKeys(history).size,
    deliveredBatches: history.events.filter((e) => e._tag === "Delivered").length,
    interruptedBatches: history.events.filter((e) => e._tag === "Completed" && e.outcome === "INTERRUPTED").length,
    duplicateKeys: dups.keys,
    extraDeliveries: dups.extraDeliveries,
    offsetRegressions: offsetRegressions(history),
    offsetReads: history.events.filter((e) => e._tag === "OffsetRead").length,
    stepsApplied: steps.filter((s) => s.applied).length,
    stepsSkipped: steps.filter((s) => !s.applied).length,
    violations: [
      ...everyAcknowledgedConsumed(history),
      ...orderlyPerQueueOrder(history),
      ...committedOffsetsSound(history),
      ...(fibersLeft > 0 ? [Violation.FibersLeft({ count: fibersLeft })] : []),
      ...(socketsLeft > 0 ? [Violation.SocketsLeft({ count: socketsLeft })] : [])
    ]
  }
}
