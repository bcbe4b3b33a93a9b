/**
 * Fault simulations: the schedules of faults, as data drawn by fast-check, and the timeline a runner plays
 * (see `Simulation`).
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as FastCheck from "effect/FastCheck"
import { RequestCode } from "../protocol/RequestCode.js"

/**
 * The requests a `FailRequests` fault may fail: the producer retries a send on another broker; a pull loop tries again
 * after `pullTimeDelayWhenException`; a heartbeat is sent again on its next tick; an offset update again at the next
 * persist; a queue whose offset query or lock failed is taken at a later rebalance.
 * @since 0.1.0
 * @category faults
 */
export const failableRequests = {
  SEND_MESSAGE_V2: RequestCode.SEND_MESSAGE_V2,
  PULL_MESSAGE: RequestCode.PULL_MESSAGE,
  HEART_BEAT: RequestCode.HEART_BEAT,
  QUERY_CONSUMER_OFFSET: RequestCode.QUERY_CONSUMER_OFFSET,
  UPDATE_CONSUMER_OFFSET: RequestCode.UPDATE_CONSUMER_OFFSET,
  LOCK_BATCH_MQ: RequestCode.LOCK_BATCH_MQ
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
  /** The name server stops (connections dropped, none accepted) and starts again after `downForMillis`. */
  NameServerDown: { readonly downForMillis: number }
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
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- Data.TaggedEnum's way to a case with no fields
  StartNameServer: {}
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
      NameServerDown: (f) => [f.downForMillis, TimelineAction.StartNameServer()] as const,
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
    case "NameServerDown":
      return span.map((downForMillis) => Fault.NameServerDown({ downForMillis }))
    case "Latency":
      return FastCheck.record({ broker, latencyMillis: FastCheck.integer({ min: 1, max: 300 }), forMillis: span })
        .map(Fault.Latency)
    case "FailRequests":
      return FastCheck.record({
        broker,
        request: FastCheck.constantFrom(...(Object.keys(failableRequests) as Array<FailableRequest>)),
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
