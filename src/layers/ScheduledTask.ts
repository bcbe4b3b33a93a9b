import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"

/**
 * Ticks of a scheduled task that failed, by task (tag `task`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const taskFailures = Metric.counter("rocketmq_client_task_failures_total", {
  description: "Scheduled-task ticks that failed (logged; the task goes on)"
})

/**
 * One tick of a task whose failure is logged and counted, never fatal to the task.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const guarded = (task: string, tick: Effect.Effect<void, unknown>): Effect.Effect<void> => {
  const failures: Metric.Metric.Counter<number> = taskFailures.pipe(Metric.tagged("task", task))
  return tick.pipe(
    Effect.exit,
    Effect.flatMap((exit) =>
      Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
        ? Effect.zipRight(
          Metric.increment(failures),
          Effect.logWarning(`scheduled task ${task} failed; it goes on`, exit.cause).pipe(Effect.annotateLogs({ task }))
        )
        : Effect.void
    )
  )
}

/**
 * A task run every `interval` after `first` (a `Schedule.spaced` fiber forked into the current scope, which is the
 * scope of the layer that owns it): a failing tick is logged and counted, and the task goes on. It is interruptible
 * whatever the region it is started in, so that closing the scope stops it.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const scheduled = (
  task: string,
  first: Duration.Duration,
  interval: Duration.Duration,
  tick: Effect.Effect<void, unknown>
) =>
  guarded(task, tick).pipe(
    Effect.repeat(Schedule.spaced(interval)),
    Effect.delay(first),
    Effect.interruptible,
    Effect.forkScoped
  )

/**
 * A shutdown step (a finalizer or release, which runs uninterruptibly) made interruptible, so that it ends at the
 * shutdown deadline, what is left of it given up and logged; each request in it has its own timeout besides.
 *
 * @since 0.1.0
 * @category scheduling
 */
export const shutdownStep = (
  step: string,
  shutdownTimeout: Duration.Duration,
  work: Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.interruptible(work).pipe(
    Effect.timeoutOption(shutdownTimeout),
    Effect.flatMap((done) =>
      Option.isSome(done) ? Effect.void : Effect.logWarning("shutdown step given up at the shutdown deadline").pipe(
        Effect.annotateLogs({ step, shutdownTimeoutMillis: Duration.toMillis(shutdownTimeout) })
      )
    )
  )

/**
 * Runs `f` for each item in turn, every item tried whatever the others did; fails with the first failure, once all
 * were tried (a task's round over the groups: one group's failure does not keep the others waiting).
 *
 * @since 0.1.0
 * @category scheduling
 */
export const forEachTried = <A, E, R>(
  items: Iterable<A>,
  f: (item: A) => Effect.Effect<void, E, R>
): Effect.Effect<void, E, R> =>
  Effect.flatMap(Effect.forEach(items, (item) => Effect.either(f(item))), (results) => {
    const failed = results.find(Either.isLeft)
    return failed === undefined ? Effect.void : Effect.fail(failed.left)
  })
