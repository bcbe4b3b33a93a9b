/**
 * The runner of fault simulations (see `Simulation` in `src/services/Simulation.ts` for the schedule, the history and
 * the invariants). `run` plays one schedule: an embedded cluster, a topic of `queuesPerBroker` queues on each broker,
 * push consumers of one group (each with a client instance of its own, as `PushConsumerLive` on `ClientInstanceLive`,
 * `TopicRouteCacheLive`, `RemotingClientLive` with the cluster's name server) running the user's handler wrapped to
 * record every batch, producers sending keyed, numbered messages (the acknowledged ones recorded), the committed
 * offsets read from the brokers (QUERY_CONSUMER_OFFSET) every 50 ms, and the schedule's faults at their times. When
 * the schedule has played, every fault is healed, the run waits (at most `recoveryWithin`) for every acknowledged
 * message to be consumed, closes everything, and checks the invariants, with the fibers still alive once every scope
 * closed (`Supervisor.track` over the whole run). `check` draws schedules with fast-check and runs each; a failure
 * shrinks to a small schedule, printed in the error.
 *
 * Time: the run is under a `TestClock` of its own (it provides `TestContext`, so it runs the same inside `it.effect`
 * or `it.live`), set to the wall-clock time when the run starts and driven by the runner: `TestClock.adjust` by
 * `timeStep` (20 ms) again and again, each adjustment letting the event loop run (the loopback I/O of the cluster and
 * the clients) before it wakes the sleeps due. Every time in the workload, the clients and the cluster (intervals,
 * timeouts, latencies, lock expiries, the fault times of the schedule) is virtual: a minute of it (Java's 60 s broker
 * lock) passes in a few real seconds, while a request in flight still meets its answer long before its timeout comes
 * round in virtual time. The clients use short intervals (route refresh 100 ms, heartbeats 200 ms, offset persistence
 * 100 ms, pull retry 100 ms; while recovery is awaited, every consumer rebalances every 250 ms instead of every 20 s)
 * and every wait is bounded.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as Simulation from "../services/Simulation.js"
import * as EmbeddedClusterLive from "./EmbeddedClusterLive.js"
import {
  awaitUpTo,
  makeConsumers,
  play,
  produce,
  type PropertyOptions,
  range,
  readOffsets,
  type Settings,
  settingsOf,
  setup,
  type SimulationOptions,
  topic,
  transport
} from "./SimulationWorkload.js"

// The pure half (schedules, history, invariants, errors), so that `Simulation` is one module for users.
export * from "../services/Simulation.js"
export type { PropertyOptions, SimulationOptions } from "./SimulationWorkload.js"

/** The run itself, in a scope: the cluster, the workload, the schedule, recovery; answers the history. */
const simulate = <E>(schedule: Simulation.FaultSchedule, settings: Settings<E>) =>
  Effect.gen(function*() {
    const events = yield* Ref.make(Chunk.empty<Simulation.HistoryEvent>())
    const record = (event: Simulation.HistoryEvent) => Ref.update(events, Chunk.append(event))
    const cluster = yield* EmbeddedClusterLive.make({ brokers: settings.brokers }).pipe(
      Effect.mapError(setup("embedded cluster"))
    )
    yield* cluster.createTopic(topic, { readQueueNums: settings.queues, writeQueueNums: settings.queues })
    const offsets = Layer.build(transport(cluster)).pipe(
      Effect.map((c) => readOffsets(cluster, settings.queues, record).pipe(Effect.provide(c)))
    )
    const readAll = yield* offsets
    const consumers = yield* makeConsumers(cluster, settings, record)
    yield* Effect.forEach(range(settings.consumers), (i) => consumers.start(`c${i}`), { discard: true })
    const senders = yield* Effect.forEach(range(settings.producers), (i) => produce(cluster, settings, i, record))
    const sampling = yield* Effect.fork(Effect.repeat(readAll, Schedule.spaced("50 millis")))
    const sending = yield* Effect.fork(Effect.all(senders, { concurrency: "unbounded", discard: true }))
    const started = yield* Clock.currentTimeMillis
    for (const { action, atMillis } of Simulation.timeline(schedule)) {
      const elapsed = (yield* Clock.currentTimeMillis) - started
      if (atMillis > elapsed) yield* Effect.sleep(Duration.millis(atMillis - elapsed))
      const applied = yield* play(cluster, consumers, action)
      yield* record(Simulation.HistoryEvent.Step({ action, applied, at: yield* Clock.currentTimeMillis }))
    }
    yield* cluster.startNameServer
    yield* Effect.forEach(cluster.brokers, (b) =>
      Effect.zipRight(cluster.startBroker(b.name), cluster.setLatency(b.name, 0)), { discard: true })
    yield* Effect.forEach(range(settings.consumers), (i) =>
      consumers.start(`c${i}`), { discard: true })
    yield* Fiber.join(sending)
    const history = Effect.map(Ref.get(events), (all): Simulation.History => ({ topic, events: Chunk.toArray(all) }))
    // Recovery: every consumer rebalances every 250 ms while the run waits (a queue whose lock an orderly consumer
    // could not take while its last holder still had it is otherwise taken at the next 20 s rebalance).
    const allConsumed = Effect.map(history, (h) =>
      Simulation.everyAcknowledgedConsumed(h).length === 0)
    yield* awaitUpTo(Effect.zipRight(consumers.rebalanceAll, allConsumed), settings.recoveryWithin)
    yield* Fiber.interrupt(sampling)
    yield* consumers.closeAll
    yield* readAll
    return yield* history
  })

/** Runs `effect` while its `TestClock` moves `step` further each time the event loop has had its turn (module doc). */
const withVirtualTime = (step: Duration.Duration) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.fork(Effect.interruptible(Effect.forever(TestClock.adjust(step)))),
    () => effect,
    Fiber.interrupt
  )

/** The sockets and listening servers of this process's event loop, as Node lists its active resources. */
const openSockets = Effect.sync(() =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap").length
)

/**
 * Runs one schedule and checks every invariant: the report, or `SimulationFailed` with the violations.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E = unknown>(
  schedule: Simulation.FaultSchedule,
  options: SimulationOptions<E> = {}
): Effect.Effect<Simulation.SimulationReport, Simulation.SimulationFailed | Simulation.SimulationSetupError> =>
  Effect.gen(function*() {
    const settings = settingsOf(options)
    yield* TestClock.setTime(Date.now())
    const socketsBefore = yield* openSockets
    const forked = yield* Supervisor.track
    const { history, socketsLeft } = yield* Effect.gen(function*() {
      const history = yield* Effect.scoped(simulate(schedule, settings)).pipe(Effect.supervised(forked))
      // A closed socket leaves the process's list of resources a turn of the event loop later.
      const socketsLeft = yield* Effect.map(openSockets, (n) => Math.max(0, n - socketsBefore)).pipe(
        Effect.repeat(
          Schedule.spaced("20 millis").pipe(
            Schedule.upTo("2 seconds"),
            Schedule.whileInput((n: number) => n > 0),
            Schedule.passthrough
          )
        )
      )
      return { history, socketsLeft }
    }).pipe(withVirtualTime(settings.timeStep))
    const report = Simulation.checkHistory(history, { fibersLeft: (yield* forked.value).length, socketsLeft })
    if (report.violations.length > 0) return yield* new Simulation.SimulationFailed({ schedule, report, history })
    return report
  }).pipe(Effect.provide(TestContext.TestContext))

/**
 * The fault kinds `check` draws by default: all of them, for concurrent and orderly consumers alike. (An orderly
 * consumer that leaves while its queues' broker is down cannot unlock them, and the broker keeps those locks 60 s,
 * Java's `REBALANCE_LOCK_MAX_LIVE_TIME`: in virtual time that is within the default recovery bound.)
 *
 * @since 0.1.0
 * @category running
 */
export const defaultKinds: ReadonlyArray<Simulation.FaultKind> = [
  "BrokerDown",
  "NameServerDown",
  "Latency",
  "FailRequests",
  "CutClient",
  "ConsumerJoins",
  "ConsumerClosesMidBatch"
]

/**
 * Draws `runs` schedules with fast-check (from `seed`) and runs each with `run`. A failing schedule is shrunk (fewer
 * faults, earlier, shorter) and reported in `SimulationPropertyFailed` with what broke.
 *
 * @since 0.1.0
 * @category running
 */
export const check = <E = unknown>(
  options: SimulationOptions<E> & PropertyOptions = {}
): Effect.Effect<void, Simulation.SimulationPropertyFailed> =>
  Effect.gen(function*() {
    const settings = settingsOf(options)
    const runtime = yield* Effect.runtime<never>()
    const arbitrary = Simulation.scheduleArbitrary({
      brokers: settings.brokers,
      producers: settings.producers,
      consumers: settings.consumers,
      spanMillis: options.spanMillis ?? 600,
      minFaults: options.minFaults ?? 1,
      maxFaults: options.maxFaults ?? 4,
      kinds: options.kinds ?? defaultKinds
    })
    const property = FastCheck.asyncProperty(arbitrary, (schedule) =>
      Runtime.runPromise(runtime)(run(schedule, options)).then(() => true))
    const details = yield* Effect.promise(() =>
      FastCheck.check(property, { numRuns: options.runs ?? 30, seed: options.seed ?? 42 })
    )
    if (details.failed) {
      return yield* new Simulation.SimulationPropertyFailed({
        seed: details.seed,
        runs: details.numRuns,
        schedule: details.counterexample?.[0],
        error: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.error)
      })
    }
  })
