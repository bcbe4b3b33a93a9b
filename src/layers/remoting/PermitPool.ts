import { Effect } from "effect"

/**
 * A counting semaphore with a synchronous fast path (Java: the `Semaphore`s bounding async and oneway requests).
 * `tryTake` takes a permit at once when one is free; `withPermit` waits for one (interruptibly, first come first
 * served) and gives it back when the effect ends. A released permit is handed straight to the longest waiter.
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

  /** Takes a permit, waiting (interruptibly, first come first served) when none is free. */
  readonly take: Effect.Effect<void> = Effect.suspend(() =>
    this.tryTake() ? Effect.void : Effect.async<void>((resume) => {
      const waiter = () => resume(Effect.void)
      this.waiters.add(waiter)
      return Effect.sync(() => this.waiters.delete(waiter))
    })
  )

  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(restore(this.take), Effect.ensuring(restore(effect), Effect.sync(() => this.release())))
    )
  }
}
