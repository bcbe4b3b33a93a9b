import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"

/**
 * A consume task: made into its effect when a worker takes it, given that worker's fiber (what the consume timeout's
 * sweep interrupts). Made at the start, the effect needs no step of its own to learn its fiber or defer its work.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumeTask = (worker: Fiber.RuntimeFiber<unknown, unknown>) => Effect.Effect<void>

/**
 * Runs consume tasks with a concurrency that can change at runtime (Java: the consume service's `consumeExecutor`,
 * a thread pool): as many worker fibers as the concurrency take tasks from a queue, first come first served, in the
 * consumer's scope. A worker interrupted in a task (the consume timeout's sweep), or whose task dies, is replaced by a
 * new one. `drain` lets the running tasks finish up to a deadline, never starts a waiting one, then interrupts
 * whatever is left.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeExecutor {
  readonly submit: (task: ConsumeTask) => Effect.Effect<void>
  /** Submits tasks in their order, as `submit` one after the other would. */
  readonly submitAll: (tasks: ReadonlyArray<ConsumeTask>) => Effect.Effect<void>
  /** The concurrency asked for; applied by `apply` (the client instance's task calls it every minute). */
  readonly setConcurrency: (concurrency: number) => Effect.Effect<void>
  readonly concurrency: Effect.Effect<number>
  readonly apply: Effect.Effect<void>
  /** How many tasks run or wait. */
  readonly pending: Effect.Effect<number>
  /** Stops taking tasks; waits up to `deadline` for the running ones; interrupts the rest. */
  readonly drain: (deadline: Duration.DurationInput) => Effect.Effect<void>
}

/** A first-in first-out queue of tasks: an array read from a moving head, compacted now and then. */
class TaskQueue {
  private items: Array<ConsumeTask | undefined> = []
  private head = 0

  get size(): number {
    return this.items.length - this.head
  }
  push(task: ConsumeTask): void {
    this.items.push(task)
  }
  poll(): ConsumeTask | undefined {
    if (this.head === this.items.length) return undefined
    const task = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return task
  }
  clear(): void {
    this.items = []
    this.head = 0
  }
}

/** A worker's state: running a task, or parked and how to wake it; woken and not yet running counts in `waking`. */
class Worker {
  busy = false
  resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined
  private woken = false
  constructor(private readonly onWake: () => void, private readonly onAwake: () => void) {}
  wake(): void {
    const resume = this.resume
    if (resume === undefined) return
    this.resume = undefined
    this.woken = true
    this.onWake()
    resume(Effect.void)
  }
  /** The worker runs again (or ends) after a wake-up. */
  awake(): void {
    if (!this.woken) return
    this.woken = false
    this.onAwake()
  }
}

/**
 * Makes an executor in the current scope.
 *
 * Hand-offs cost a fiber's wake-up, so a worker that finds the queue empty parks, and a submission wakes one parked
 * worker only; a worker that takes a task while more wait wakes one more (one woken at a time). A fast handler thus runs a pulled batch's
 * tasks one after the other in the worker that woke first, with no wake-up per task, while tasks that wait (for I/O)
 * let the others wake in turn, up to the concurrency.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (initial: number): Effect.Effect<ConsumeExecutor, never, Scope.Scope> =>
  Effect.gen(function*() {
    const tasks = new TaskQueue()
    const workers = yield* FiberSet.make<void, never>()
    const start = yield* FiberSet.runtime(workers)<never>()
    /** The parked workers, the latest parked last, and how many were woken and have not run yet. */
    const parked: Array<Worker> = []
    let waking = 0
    let applied = initial
    let wanted = initial
    let stopping = false
    /** Workers alive, and tasks running. */
    let live = 0
    let running = 0
    // Registered after the worker set, so it runs first when the scope closes: no worker is started then.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (stopping = true)))

    /** Wakes the worker parked last, unless one woken has not run yet (it wakes the next when it takes a task). */
    const wakeOne = () => {
      if (waking > 0) return
      parked.pop()?.wake()
    }
    const wakeAll = () => {
      for (const w of parked.splice(0)) w.wake()
    }

    /**
     * A worker: takes and runs tasks while the executor runs and the concurrency has room for it (a worker over the
     * concurrency ends after its task); when it ends, for whatever reason, workers are started up to the concurrency.
     */
    const worker = Effect.withFiberRuntime<void>((fiber) => {
      const self = new Worker(() => waking++, () => waking--)
      const park = Effect.async<void>((resume) => {
        self.resume = resume
        parked.push(self)
        return Effect.sync(() => {
          const at = parked.indexOf(self)
          if (at >= 0) parked.splice(at, 1)
        })
      })
      return Effect.whileLoop({
        while: () => !stopping && live <= applied,
        // Called as the loop's step is run: a task's effect is the step itself (no wrapper of its own).
        body: () => {
          self.awake()
          const task = tasks.poll()
          if (task === undefined) return park
          if (tasks.size > 0) wakeOne()
          self.busy = true
          running++
          return task(fiber)
        },
        // After the step succeeded. A task that fails or dies (tasks handle their own failures: a defect) ends the
        // worker, as an interruption does; a new worker takes its place.
        step: () => {
          if (!self.busy) return
          self.busy = false
          running--
        }
      }).pipe(Effect.ensuring(Effect.sync(() => {
        self.awake()
        if (self.busy) running--
        live--
        startWorkers()
      })))
    })
    const startWorkers = () => {
      while (!stopping && live < applied) {
        live++
        start(Effect.interruptible(worker))
      }
    }
    startWorkers()

    const offer = (task: ConsumeTask) => {
      if (stopping) return
      tasks.push(task)
    }
    return {
      submit: (task) =>
        Effect.sync(() => {
          offer(task)
          wakeOne()
        }),
      submitAll: (all) =>
        Effect.sync(() => {
          for (const task of all) offer(task)
          wakeOne()
        }),
      setConcurrency: (concurrency) =>
        Effect.sync(() => {
          wanted = Math.max(1, Math.floor(concurrency))
        }),
      concurrency: Effect.sync(() => applied),
      apply: Effect.sync(() => {
        if (wanted === applied) return
        applied = wanted
        startWorkers()
        // Workers over a lowered concurrency end when they wake; wake the parked ones so that they do.
        if (live > applied) wakeAll()
      }),
      pending: Effect.sync(() => tasks.size + running),
      drain: (deadline) =>
        Effect.gen(function*() {
          stopping = true
          // Workers waiting for a task end; waiting tasks are never started.
          tasks.clear()
          wakeAll()
          // Drained from a finalizer, which runs uninterruptibly: the wait must be interruptible for the deadline.
          yield* Effect.interruptible(FiberSet.awaitEmpty(workers)).pipe(
            Effect.timeoutOption(Duration.decode(deadline))
          )
          yield* FiberSet.clear(workers)
        })
    }
  })
