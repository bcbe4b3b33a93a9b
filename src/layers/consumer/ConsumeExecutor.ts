import { Duration, Effect, FiberSet, type Scope } from "effect"

/**
 * Runs consume tasks with a concurrency that can change at runtime (Java: the consume service's `consumeExecutor`,
 * a thread pool). Each task is a fiber in the consumer's scope that waits for a permit; `drain` lets the running
 * ones finish up to a deadline, never starts a waiting one, then interrupts whatever is left.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeExecutor {
  readonly submit: (task: Effect.Effect<void>) => Effect.Effect<void>
  /** The concurrency asked for; applied by `apply` (the client instance's task calls it every minute). */
  readonly setConcurrency: (concurrency: number) => Effect.Effect<void>
  readonly concurrency: Effect.Effect<number>
  readonly apply: Effect.Effect<void>
  /** How many tasks run or wait. */
  readonly pending: Effect.Effect<number>
  /** Stops taking tasks; waits up to `deadline` for the running ones; interrupts the rest. */
  readonly drain: (deadline: Duration.DurationInput) => Effect.Effect<void>
}

/**
 * Makes an executor in the current scope.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (initial: number): Effect.Effect<ConsumeExecutor, never, Scope.Scope> =>
  Effect.gen(function*() {
    const permits = yield* Effect.makeSemaphore(initial)
    const tasks = yield* FiberSet.make<void, never>()
    let applied = initial
    let wanted = initial
    let stopping = false
    return {
      submit: (task) =>
        stopping ? Effect.void : Effect.asVoid(
          FiberSet.run(tasks, permits.withPermits(1)(Effect.suspend(() => (stopping ? Effect.void : task))))
        ),
      setConcurrency: (concurrency) =>
        Effect.sync(() => {
          wanted = Math.max(1, Math.floor(concurrency))
        }),
      concurrency: Effect.sync(() => applied),
      apply: Effect.suspend(() => {
        if (wanted === applied) return Effect.void
        applied = wanted
        return permits.resize(wanted)
      }),
      pending: FiberSet.size(tasks),
      drain: (deadline) =>
        Effect.gen(function*() {
          stopping = true
          // Drained from a finalizer, which runs uninterruptibly: the wait must be interruptible for the deadline.
          yield* Effect.interruptible(FiberSet.awaitEmpty(tasks)).pipe(Effect.timeoutOption(Duration.decode(deadline)))
          yield* FiberSet.clear(tasks)
        })
    }
  })
