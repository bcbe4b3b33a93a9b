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
   * Takes the lock, or waits for it to be handed over; `owned` tells whether this wait holds the lock now. Interrupted
   * while waiting, or once handed the lock while the wait is still the fiber's current effect (the canceler runs
   * then), the wait gives the lock on if it had it. Once the wait has ended, a caller interrupted before it went on
   * gives the lock back itself (`owned`).
   */
  private acquire(): { readonly wait: Effect.Effect<void>; readonly owned: () => boolean } {
    let owned = false
    const wait = Effect.async<void>((resume) => {
      const waiter = () => {
        owned = true
        resume(Effect.void)
      }
      if (this.held) this.waiters.push(waiter)
      else {
        this.held = true
        waiter()
      }
      return Effect.sync(() => {
        const at = this.waiters.indexOf(waiter)
        if (at >= 0) this.waiters.splice(at, 1)
        else if (owned) {
          owned = false
          this.unlock()
        }
      })
    })
    return { wait, owned: () => owned }
  }

  readonly take = (_permits: 1): Effect.Effect<unknown> => Effect.suspend(() => this.acquire().wait)
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
      const { owned, wait } = this.acquire()
      // Met outside `restore`: an interruption that lands after the wait ended, before the batch ran (the fiber may
      // yield between the two), finds the lock this batch's and gives it back.
      return Effect.matchCauseEffect(restore(wait), {
        onFailure: (cause) => {
          if (owned()) this.unlock()
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
