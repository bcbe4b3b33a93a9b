// Awaiting outcomes instead of fixed stretches of time, for tests (the house rule: deterministic tests wait for what
// they are about, never for a fixed stretch of real time).
import { Chunk, Clock, Duration, Effect, Fiber, Schedule, TestClock, TestServices } from "effect"

export interface EventuallyOptions {
  /** What is awaited, for the failure's message. */
  readonly what: string
  /** How long (real time) to keep looking before failing; 5 seconds by default. */
  readonly bound?: Duration.DurationInput
  /** Real time between two looks once the fibers alone have not made the condition true; 5 millis by default. */
  readonly interval?: Duration.DurationInput
}

/** Looks made by yielding to the scheduler alone (no time passes) before looking at intervals of real time. */
const yieldingLooks = 100

/**
 * Waits until `condition` holds, and dies (failing the test with `what` in the message) if it does not hold within
 * `bound` of real time. It looks first after letting the ready fibers run (no time passes: enough for what only
 * fibers do), then every `interval` of real time on the live clock (enough for sockets, HTTP and other I/O), whatever
 * clock the test runs on: the `TestClock` is neither moved nor waited for. The condition itself runs with the test's
 * own clock, so it may read the `TestClock` (`TestClock.sleeps()`, `Clock.currentTimeMillis`).
 *
 * @example
 * yield* eventually(() => peer.received.length === 2, { what: "both requests reached the peer" })
 */
export const eventually = <E = never, R = never>(
  condition: (() => boolean) | Effect.Effect<boolean, E, R>,
  options: EventuallyOptions
): Effect.Effect<void, E, R> =>
  Effect.gen(function*() {
    const check = typeof condition === "function" ? Effect.sync(condition) : condition
    for (let look = 0; look < yieldingLooks; look++) {
      if (yield* check) return
      yield* Effect.yieldNow()
    }
    const bound = options.bound ?? Duration.seconds(5)
    const testsClock = yield* Effect.clock
    const liveClock = yield* TestServices.provideLive(Effect.clock)
    yield* Effect.repeat(Effect.withClock(check, testsClock), {
      until: (holds) => holds,
      schedule: Schedule.spaced(options.interval ?? Duration.millis(5)).pipe(Schedule.upTo(bound))
    }).pipe(Effect.withClock(liveClock))
    if (!(yield* check)) {
      return yield* Effect.dieMessage(
        `eventually: ${options.what}: not so within ${Duration.format(Duration.decode(bound))}`
      )
    }
  })

/**
 * Lets the fibers that are ready run: yields to the scheduler `rounds` times (no time passes, on any clock). For
 * asserting that something did NOT happen, after awaiting what did: anything only fibers would do by now has been
 * done. It says nothing of sockets or timers.
 */
export const fibersSettle = (rounds = yieldingLooks): Effect.Effect<void> =>
  Effect.repeatN(Effect.yieldNow(), rounds - 1)

/**
 * Whether `fiber` has stopped at an asynchronous wait (a `Deferred`, a sleep, a callback such as a socket's) or is
 * done, rather than running or ready to run: a fiber is only reported suspended once it has run up to such a wait.
 */
export const waitingOrDone = <A, E>(fiber: Fiber.RuntimeFiber<A, E>): Effect.Effect<boolean> =>
  Effect.map(Fiber.status(fiber), (status) => status._tag !== "Running")

/**
 * How many sleeps on the `TestClock` end exactly `millis` from its current time: a fiber that has gone to sleep on it
 * (a timeout, a schedule's next turn, a delay line) shows here, so a test can await that before it adjusts the clock.
 * A sleep that ended early (interrupted) stays listed until the clock passes its end: compare with a count taken
 * before.
 */
export const sleepsEndingIn = (millis: number): Effect.Effect<number> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    return Chunk.size(Chunk.filter(yield* TestClock.sleeps(), (wakeAt) => wakeAt === now + millis))
  })
