/**
 * Fault simulations as property tests: the pure half. A simulation runs a workload (producers sending keyed, numbered
 * messages; push consumers, concurrent or orderly, with a handler of the user's) on the embedded cluster while a
 * `FaultSchedule` drawn by fast-check stops brokers, adds latency, fails requests, cuts clients, and makes consumers
 * join, leave and close mid-batch. Everything that happened is recorded as a `History`; the invariants below are
 * plain functions over it, so each has tests of its own and a failing run shrinks to a small schedule. The runner is
 * `SimulationLive` (`src/layers/SimulationLive.ts`). Not simulated: a name server going down (the embedded cluster
 * has no such operation yet).
 * @since 0.1.0
 */
import { Data, FastCheck } from "effect"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"
import { RequestCode } from "../protocol/RequestCode.js"

/**
 * The requests a `FailRequests` fault may fail, chosen because their failure is recovered from within a second (the
 * producer retries a send on another broker; a pull loop tries again after `pullTimeDelayWhenException`; a heartbeat
 * is sent again on its next tick). A failed QUERY_CONSUMER_OFFSET or LOCK_BATCH_MQ would hold a queue back until the
 * next 20 s rebalance, longer than a simulation lasts.
 * @since 0.1.0
 * @category faults
 */
export const failableRequests = {
  SEND_MESSAGE_V2: RequestCode.SEND_MESSAGE_V2,
  PULL_MESSAGE: RequestCode.PULL_MESSAGE,
  HEART_BEAT: RequestCode.HEART_BEAT
} as const

/** The name of a request a `FailRequests` fault fails. @since 0.1.0 @category faults */
export type FailableRequest = keyof typeof failableRequests

/**
 * A client of the workload: producer `index` or consumer slot `index` (slots past the workload's consumers are the
 * consumers that join).
 * @since 0.1.0
 * @category faults
 */
export interface ClientRef {
  readonly role: "producer" | "consumer"
  readonly index: number
}

/**
 * One fault, as data. Brokers are named by index (`broker-a` is 0). Each fault that lasts heals itself after its
 * span; whatever is still broken when the schedule ends is healed then (brokers started, latency removed).
 * @since 0.1.0
 * @category faults
 */
export type Fault = Data.TaggedEnum<{
  /** The broker stops (connections dropped, out of routes, data kept) and starts again after `downForMillis`. */
  BrokerDown: { readonly broker: number; readonly downForMillis: number }
  /** Every answer of the broker waits `latencyMillis`, for `forMillis`. */
  Latency: { readonly broker: number; readonly latencyMillis: number; readonly forMillis: number }
  /** The broker answers the next `count` requests of `request` with SYSTEM_BUSY. */
  FailRequests: { readonly broker: number; readonly request: FailableRequest; readonly count: number }
  /** Every connection of the client to every broker is cut. */
  CutClient: { readonly client: ClientRef }
  /** A consumer joins the group and leaves it after `staysForMillis`. */
  ConsumerJoins: { readonly staysForMillis: number }
  /**
   * Consumer slot `consumer` closes while a batch of its handler is held: the batch is let go during the close
   * (`batchCompletes`) or left running past the close's deadline (interrupted, not committed). The consumer starts
   * again after `restartAfterMillis`.
   */
  ConsumerClosesMidBatch: { readonly consumer: number; readonly batchCompletes: boolean } & {
    readonly restartAfterMillis: number
  }
}>

/** Constructors and matchers of `Fault`. @since 0.1.0 @category faults */
export const Fault = Data.taggedEnum<Fault>()

/** A fault and when it starts, in milliseconds from the start of the workload. @since 0.1.0 @category faults */
export interface TimedFault {
  readonly atMillis: number
  readonly fault: Fault
}

/** What a simulation does to the cluster: faults at their times, in the order drawn. @since 0.1.0 @category faults */
export interface FaultSchedule {
  readonly faults: ReadonlyArray<TimedFault>
}

/** One step of the runner's timeline: a fault starting, or a lasting fault healing. @since 0.1.0 @category faults */
export type TimelineAction = Data.TaggedEnum<{
  Begin: { readonly fault: Fault; readonly index: number }
  StartBroker: { readonly broker: number }
  RemoveLatency: { readonly broker: number }
  JoinerLeaves: { readonly index: number }
  RestartConsumer: { readonly consumer: number }
}>

/** Constructors and matchers of `TimelineAction`. @since 0.1.0 @category faults */
export const TimelineAction = Data.taggedEnum<TimelineAction>()

/**
 * The schedule as the runner plays it: each fault's start and, for faults that last, its end, sorted by time (ties in
 * schedule order). `index` is the fault's place in the schedule; a joining consumer is known by it.
 * @since 0.1.0
 * @category faults
 */
export const timeline = (
  schedule: FaultSchedule
): ReadonlyArray<{ readonly atMillis: number; readonly action: TimelineAction }> => {
  const ending = (fault: Fault, index: number): readonly [number, TimelineAction] | undefined =>
    Fault.$match(fault, {
      BrokerDown: (f) => [f.downForMillis, TimelineAction.StartBroker({ broker: f.broker })] as const,
      Latency: (f) => [f.forMillis, TimelineAction.RemoveLatency({ broker: f.broker })] as const,
      ConsumerJoins: (f) => [f.staysForMillis, TimelineAction.JoinerLeaves({ index })] as const,
      ConsumerClosesMidBatch: (f) =>
        [f.restartAfterMillis, TimelineAction.RestartConsumer({ consumer: f.consumer })] as const,
      FailRequests: () => undefined,
      CutClient: () => undefined
    })
  return schedule.faults
    .flatMap(({ atMillis, fault }, index) => {
      const end = ending(fault, index)
      const begin = { atMillis, action: TimelineAction.Begin({ fault, index }) }
      return end === undefined ? [begin] : [begin, { atMillis: atMillis + end[0], action: end[1] }]
    })
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.atMillis - b.step.atMillis || a.index - b.index)
    .map(({ step }) => step)
}

/** The fault kinds a schedule is drawn from. @since 0.1.0 @category faults */
export type FaultKind = Fault["_tag"]

/**
 * What the arbitrary of schedules draws: how many brokers, producers and consumers there are, how long the schedule
 * spans, how many faults, and which kinds.
 * @since 0.1.0
 * @category faults
 */
export interface ScheduleShape {
  readonly brokers: number
  readonly producers: number
  readonly consumers: number
  readonly spanMillis: number
  readonly minFaults?: number | undefined
  readonly maxFaults: number
  readonly kinds: ReadonlyArray<FaultKind>
}

const faultArbitrary = (shape: ScheduleShape, kind: FaultKind): FastCheck.Arbitrary<Fault> => {
  const broker = FastCheck.integer({ min: 0, max: shape.brokers - 1 })
  const span = FastCheck.integer({ min: 50, max: Math.max(50, shape.spanMillis) })
  switch (kind) {
    case "BrokerDown":
      return FastCheck.record({ broker, downForMillis: span }).map(Fault.BrokerDown)
    case "Latency":
      return FastCheck.record({ broker, latencyMillis: FastCheck.integer({ min: 1, max: 300 }), forMillis: span })
        .map(Fault.Latency)
    case "FailRequests":
      return FastCheck.record({
        broker,
        request: FastCheck.constantFrom<FailableRequest>("SEND_MESSAGE_V2", "PULL_MESSAGE", "HEART_BEAT"),
        count: FastCheck.integer({ min: 1, max: 5 })
      }).map(Fault.FailRequests)
    case "CutClient":
      return FastCheck.oneof(
        FastCheck.integer({ min: 0, max: shape.producers - 1 }).map((index) => ({ role: "producer" as const, index })),
        FastCheck.integer({ min: 0, max: shape.consumers - 1 }).map((index) => ({ role: "consumer" as const, index }))
      ).map((client) => Fault.CutClient({ client }))
    case "ConsumerJoins":
      return span.map((staysForMillis) => Fault.ConsumerJoins({ staysForMillis }))
    case "ConsumerClosesMidBatch":
      return FastCheck.record({
        consumer: FastCheck.integer({ min: 0, max: shape.consumers - 1 }),
        batchCompletes: FastCheck.boolean(),
        restartAfterMillis: span
      }).map(Fault.ConsumerClosesMidBatch)
  }
}

/**
 * The arbitrary of schedules: `minFaults` (0) to `maxFaults` faults of the given kinds at times within `spanMillis`. It shrinks
 * towards fewer faults, earlier times and shorter spans, so a failing run is reported with a small schedule.
 * @since 0.1.0
 * @category faults
 */
export const scheduleArbitrary = (shape: ScheduleShape): FastCheck.Arbitrary<FaultSchedule> =>
  FastCheck.array(
    FastCheck.record({
      atMillis: FastCheck.integer({ min: 0, max: shape.spanMillis }),
      fault: FastCheck.constantFrom(...shape.kinds).chain((kind) => faultArbitrary(shape, kind))
    }),
    { minLength: shape.minFaults ?? 0, maxLength: shape.maxFaults }
  ).map((faults) => ({ faults }))

const describeFault = (fault: Fault): string => {
  const { _tag, ...fields } = fault
  const text = Object.entries(fields).map(([k, v]) =>
    `${k}=${typeof v === "object" && v !== null ? Object.values(v).join(":") : String(v)}`
  )
  return `${_tag}(${text.join(", ")})`
}

/**
 * A schedule as a few readable lines, one fault a line (`+120ms BrokerDown(broker=0, downForMillis=300)`), for the
 * report of a failing run.
 * @since 0.1.0
 * @category faults
 */
export const formatSchedule = (schedule: FaultSchedule): string =>
  schedule.faults.length === 0
    ? "(no faults)"
    : schedule.faults.map(({ atMillis, fault }) => `+${atMillis}ms ${describeFault(fault)}`).join("\n")

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
 * Checks every invariant of a history, with the fibers the runner found alive once its scopes closed.
 * @since 0.1.0
 * @category invariants
 */
export const checkHistory = (history: History, fibersLeft: number): SimulationReport => {
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
      ...(fibersLeft > 0 ? [Violation.FibersLeft({ count: fibersLeft })] : [])
    ]
  }
}

/**
 * A simulation broke an invariant: the schedule (printed small when fast-check shrank it) and the report.
 * @since 0.1.0
 * @category errors
 */
export class SimulationFailed extends Data.TaggedError("SimulationFailed")<{
  readonly schedule: FaultSchedule
  readonly report: SimulationReport
  /** Everything recorded, to look into the violations. */
  readonly history: History
}> {
  override get message(): string {
    const shown = this.report.violations.slice(0, 5).map((v) => `  ${JSON.stringify(v)}`)
    return `${this.report.violations.length} violation(s) under the schedule:\n${formatSchedule(this.schedule)}\n` +
      shown.join("\n")
  }
}

/**
 * The simulation could not be set up or run (the embedded cluster, a client or a consumer failed to start).
 * @since 0.1.0
 * @category errors
 */
export class SimulationSetupError extends Data.TaggedError("SimulationSetupError")<{
  readonly reason: string
  readonly cause: unknown
}> {}

/**
 * A property run found a failing schedule: fast-check's seed and the shrunk schedule, with what went wrong.
 * @since 0.1.0
 * @category errors
 */
export class SimulationPropertyFailed extends Data.TaggedError("SimulationPropertyFailed")<{
  readonly seed: number
  readonly runs: number
  readonly schedule: FaultSchedule | undefined
  readonly error: string
}> {
  override get message(): string {
    const schedule = this.schedule === undefined ? "(none)" : formatSchedule(this.schedule)
    return `simulation failed after ${this.runs} run(s) (seed ${this.seed}); shrunk schedule:\n${schedule}\n${this.error}`
  }
}
