import { Duration, Effect, FiberSet, Queue, type Scope } from "effect"

/**
 * Runs consume tasks with a concurrency that can change at runtime (Java: the consume service's `consumeExecutor`,
 * a thread pool): as many worker fibers as the concurrency take tasks from a queue, first come first served, in the
 * consumer's scope. A worker interrupted in a task (the consume timeout's sweep) is replaced by a new one. `drain`
 * lets the running tasks finish up to a deadline, never starts a waiting one, then interrupts whatever is left.
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
    const tasks = yield* Queue.unbounded<Effect.Effect<void>>()
    const workers = yield* FiberSet.make<void, never>()
    const start = yield* FiberSet.runtime(workers)<never>()
    let applied = initial
    let wanted = initial
    let stopping = false
    /** Workers alive, and tasks running. */
    let live = 0
    let running = 0
    // Registered after the worker set, so it runs first when the scope closes: no worker is started then.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (stopping = true)))

    const runTask = (task: Effect.Effect<void>) => {
      running++
      return Effect.ensuring(Effect.exit(task), Effect.sync(() => void running--))
    }
    /**
     * A worker: takes and runs tasks while the executor runs and the concurrency has room for it (a worker over the
     * concurrency ends after its task); when it ends, for whatever reason, workers are started up to the concurrency.
     */
    const worker: Effect.Effect<void> = Effect.whileLoop({
      while: () => !stopping && live <= applied,
      body: () => Effect.flatMap(Queue.take(tasks), runTask),
      step: () => {}
    }).pipe(Effect.ensuring(Effect.sync(() => {
      live--
      startWorkers()
    })))
    const startWorkers = () => {
      while (!stopping && live < applied) {
        live++
        start(Effect.interruptible(worker))
      }
    }
    startWorkers()

    return {
      submit: (task) => stopping ? Effect.void : Effect.asVoid(Queue.offer(tasks, task)),
      setConcurrency: (concurrency) =>
        Effect.sync(() => {
          wanted = Math.max(1, Math.floor(concurrency))
        }),
      concurrency: Effect.sync(() => applied),
      apply: Effect.sync(() => {
        if (wanted === applied) return
        applied = wanted
        startWorkers()
      }),
      pending: Effect.map(Queue.size(tasks), (waiting) => Math.max(0, waiting) + running),
      drain: (deadline) =>
        Effect.gen(function*() {
          stopping = true
          // Workers waiting for a task end; waiting tasks are never started.
          yield* Queue.shutdown(tasks)
          // Drained from a finalizer, which runs uninterruptibly: the wait must be interruptible for the deadline.
          yield* Effect.interruptible(FiberSet.awaitEmpty(workers)).pipe(
            Effect.timeoutOption(Duration.decode(deadline))
          )
          yield* FiberSet.clear(workers)
        })
    }
  })
