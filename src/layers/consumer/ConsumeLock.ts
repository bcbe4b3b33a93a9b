import * as Effect from "effect/Effect"

/**
 * The lock an orderly batch holds while it runs, so that a rebalance can wait for it before unlocking the queue on
 * the broker (Java: `ProcessQueue.consumeLock`). Shaped as the part of Effect's `Semaphore` the consumer uses (one
 * permit), which is what tests may hold in its place.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface ConsumeLock {
  /** Waits for the lock and takes it. */
  readonly take: (permits: 1) => Effect.Effect<unknown>
  /** Gives the lock back (to the first waiter, if any). */
  readonly release: (permits: 1) => Effect.Effect<unknown>
  /** Runs an effect holding the lock, given back however the effect ends. */
  readonly withPermits: (permits: 1) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * A one-permit lock whose uncontended `withPermits` takes and gives back synchronously, in a handful of fiber steps
 * (Effect's `Semaphore` takes through an asynchronous registration and gives back through a scheduled task: ~18 steps,
 * once per orderly batch; bench/consume, orderly). Waiters are served first come first served: a batch that ends hands
 * the lock to a waiting rebalance before the next batch can take it again.
 */
class OnePermitLock implements ConsumeLock {
  private held = false
  private readonly waiters: Array<() => void> = []

  private unlock(): void {
    const next = this.waiters.shift()
    if (next === undefined) this.held = false
    else next() // Handed over: `held` stays true for the waiter.
  }

  /**
   * One wait for the lock: takes it, or waits for it to be handed over. `cancel` lets go of the wait whatever point it
   * reached (idempotent): still queued, it leaves the queue; handed the lock, it gives it on. The wait's canceler runs
   * it when interrupted while the wait is the fiber's current effect; a caller runs it too when its wait fails, since
   * an interruption can land outside the canceler's reach (between the registration and the canceler's installation,
   * or after the wait ended and before the caller went on: the fiber may yield there).
   */
  private acquire(): { readonly wait: Effect.Effect<void>; readonly cancel: () => void } {
    let owned = false
    let waiter: (() => void) | undefined
    const cancel = () => {
      const at = waiter === undefined ? -1 : this.waiters.indexOf(waiter)
      if (at >= 0) this.waiters.splice(at, 1)
      else if (owned) {
        owned = false
        this.unlock()
      }
    }
    const wait = Effect.async<void>((resume) => {
      waiter = () => {
        owned = true
        resume(Effect.void)
      }
      if (this.held) this.waiters.push(waiter)
      else {
        this.held = true
        waiter()
      }
      return Effect.sync(cancel)
    })
    return { wait, cancel }
  }

  readonly take = (_permits: 1): Effect.Effect<unknown> =>
    Effect.uninterruptibleMask((restore) => {
      const { cancel, wait } = this.acquire()
      return Effect.onError(restore(wait), () => Effect.sync(cancel))
    })
  readonly release = (_permits: 1): Effect.Effect<unknown> => Effect.sync(() => this.unlock())
  readonly withPermits = (_permits: 1) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.uninterruptibleMask((restore) => {
      const run = Effect.matchCauseEffect(restore(self), {
        onFailure: (cause) => {
          this.unlock()
          return Effect.failCause(cause)
        },
        onSuccess: (value) => {
          this.unlock()
          return Effect.succeed(value)
        }
      })
      if (!this.held && this.waiters.length === 0) {
        this.held = true
        return run
      }
      const { cancel, wait } = this.acquire()
      // Met outside `restore`, so that a wait interrupted anywhere lets go of its place or of the lock.
      return Effect.matchCauseEffect(restore(wait), {
        onFailure: (cause) => {
          cancel()
          return Effect.failCause(cause)
        },
        onSuccess: () => run
      })
    })
}

/**
 * A new, free consume lock.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeConsumeLock = (): ConsumeLock => new OnePermitLock()
