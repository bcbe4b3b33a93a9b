import * as Effect from "effect/Effect"
import type { TimedWait, TimedWaits } from "./TimedWaits.js"

/**
 * A counting semaphore with a synchronous fast path (Java: the `Semaphore`s bounding async and oneway requests).
 * `tryTake` takes a permit at once when one is free; `takeUntil` waits for one (interruptibly, first come first
 * served) until a deadline. A released permit is handed straight to the longest waiter.
 */
export class PermitPool {
  private free: number
  private readonly waiters = new Set<() => void>()

  constructor(size: number) {
    this.free = size
  }

  tryTake(): boolean {
    if (this.free > 0 && this.waiters.size === 0) {
      this.free--
      return true
    }
    return false
  }

  release(): void {
    // The usual case, nobody waiting, without an iterator.
    if (this.waiters.size === 0) {
      this.free++
      return
    }
    const [next] = this.waiters
    this.waiters.delete(next!)
    next!()
  }

  /**
   * Takes a permit, waiting when none is free until one is released or `deadline` (Clock milliseconds) passes: then
   * the sweeper of `waits` fails the wait with `onDeadline()`, whatever the waiting fiber's interruptibility.
   */
  takeUntil<E>(waits: TimedWaits, deadline: number, onDeadline: () => E): Effect.Effect<void, E> {
    return Effect.suspend(() =>
      this.tryTake() ? Effect.void : Effect.async<void, E>((resume) => {
        const wait: TimedWait = {
          deadline,
          expire: () => {
            this.waiters.delete(waiter)
            resume(Effect.fail(onDeadline()))
          }
        }
        const waiter = () => {
          waits.delete(wait)
          resume(Effect.void)
        }
        this.waiters.add(waiter)
        waits.add(wait)
        return Effect.sync(() => {
          this.waiters.delete(waiter)
          waits.delete(wait)
        })
      })
    )
  }
}
