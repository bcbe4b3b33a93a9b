import { Duration, Effect } from "effect"
import type { ConsumeRequest } from "./AssignedQueue.js"

/**
 * The buffer between a lite pull consumer's pull loops and `poll` (Java: `consumeRequestCache`), in arrival order.
 * Its size is bounded by the pull loops' flow control, not here: a loop over a threshold waits, nothing is dropped.
 * Requests of a dropped process queue are skipped when taken, and a seek removes its queue's at once.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export class ConsumeRequestCache {
  private items: Array<ConsumeRequest> = []
  private head = 0

  constructor(private readonly arrived: Effect.Latch) {}

  /** How many requests wait. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Adds a request and wakes a waiting `poll`. */
  put(request: ConsumeRequest): void {
    this.items.push(request)
    this.arrived.unsafeOpen()
  }

  /** The oldest request whose process queue is not dropped, taken out; `undefined` when none waits. */
  take(): ConsumeRequest | undefined {
    while (this.head < this.items.length) {
      const request = this.items[this.head]!
      this.items[this.head] = undefined as unknown as ConsumeRequest
      this.head++
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head)
        this.head = 0
      }
      if (!request.processQueue.dropped) return request
    }
    return undefined
  }

  /** Removes every request of a queue (Java: `clearMessageQueueInCache`). */
  removeQueue(key: string): void {
    this.items = this.items.slice(this.head).filter((r) => r.assigned.key !== key)
    this.head = 0
  }

  /** Waits until a request arrives, for at most `millis` (at once when one waits already). */
  waitFor(millis: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.size > 0) return Effect.void
      this.arrived.unsafeClose()
      return Effect.asVoid(Effect.timeoutOption(this.arrived.await, Duration.millis(millis)))
    })
  }
}
