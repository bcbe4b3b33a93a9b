import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/**
 * Starts, in the current scope, a fiber that sleeps (Clock time, so `TestClock` drives it) until the earliest time it
 * was told of, then runs `fire(now)`, which does what is due by `now` and returns when anything is next due
 * (`Infinity`: nothing, and the fiber waits to be told). Returns the way to tell it of a time (Clock milliseconds); a
 * time earlier than the one it sleeps until wakes it at once. One sleeping fiber serves any number of due times
 * (Java: the scheduled scan of `NettyRemotingAbstract.scanResponseTable`). Used by the client's timeout sweeper and
 * the embedded server's delay line.
 *
 * @since 0.1.0
 * @category internal
 */
export const startDueTimer = (
  fire: (now: number) => number
): Effect.Effect<(due: number) => void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const pending = yield* Effect.makeLatch(false)
    const earlier = yield* Effect.makeLatch(false)
    let wakeAt = Number.POSITIVE_INFINITY
    yield* Effect.gen(function*() {
      for (;;) {
        yield* pending.await
        const now = clock.unsafeCurrentTimeMillis()
        const next = fire(now)
        wakeAt = next
        if (next === Number.POSITIVE_INFINITY) {
          pending.unsafeClose()
          continue
        }
        earlier.unsafeClose()
        yield* Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(1, next - now))), earlier.await)
      }
      // Interruptible whatever the region it is started in, so that closing the scope stops it.
    }).pipe(Effect.interruptible, Effect.forkScoped)
    return (due: number) => {
      pending.unsafeOpen()
      if (due < wakeAt) earlier.unsafeOpen()
    }
  })
