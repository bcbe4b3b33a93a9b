// Progress of long work on stderr: a line every second with the count so far and the rate over that second.
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"

/**
 * Prints `{verb} {n} so far ({rate} msg/s)` on stderr every second while the current scope is open, reading the
 * count from `counter`; work that ends within a second prints nothing. Time comes from `Clock`.
 */
export const reportProgress = (verb: string, counter: Ref.Ref<number>) =>
  Effect.gen(function*() {
    const last = yield* Ref.make({ count: yield* Ref.get(counter), at: yield* Clock.currentTimeMillis })
    const tick = Effect.gen(function*() {
      const count = yield* Ref.get(counter)
      const at = yield* Clock.currentTimeMillis
      const before = yield* Ref.getAndSet(last, { count, at })
      const seconds = Math.max(at - before.at, 1) / 1000
      yield* Console.error(`${verb} ${count} so far (${Math.round((count - before.count) / seconds)} msg/s)`)
    })
    yield* Effect.forkScoped(Effect.repeat(Effect.delay(tick, "1 second"), Schedule.forever))
  })
