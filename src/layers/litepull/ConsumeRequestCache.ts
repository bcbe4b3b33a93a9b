import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { ConsumeRequest } from "./AssignedQueue.js"

/**
 * The buffer between a lite pull consumer's pull loops and `poll` (Java: `consumeRequestCache`), in arrival order.
 * Its size is bounded by the pull loops' flow control, not here: a loop over a threshold waits, nothing is dropped.
 * Requests of a dropped process queue are skipped when taken, and a seek removes its queue's at once; those of a
 * paused queue wait until it resumes.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export class ConsumeRequestCache {
  private items: Array<ConsumeRequest> = []
  private head = 0

  constructor(private readonly arrived: Effect.Latch, private readonly room: Effect.Latch) {}

  /** How many requests wait. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Adds a request and wakes a waiting `poll`. */
  put(request: ConsumeRequest): void {
    this.items.push(request)
    this.arrived.unsafeOpen()
  }

  /**
   * The oldest request of a queue neither dropped nor paused, taken out; `undefined` when none waits. Requests of a
   * dropped process queue met on the way are thrown away; those of a paused queue stay, in order.
   */
  take(): ConsumeRequest | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const request = this.items[i]!
      if (request.processQueue.dropped || request.assigned.paused) continue
      this.room.unsafeOpen()
      if (i === this.head) {
        this.items[i] = undefined as unknown as ConsumeRequest
        this.head++
        if (this.head > 1024 && this.head * 2 > this.items.length) this.compact()
      } else {
        this.items = [
          ...this.items.slice(this.head, i).filter((r) => !r.processQueue.dropped),
          ...this.items.slice(i + 1)
        ]
        this.head = 0
      }
      return request
    }
    return undefined
  }

  private compact(): void {
    this.items = this.items.slice(this.head)
    this.head = 0
  }

  /** Removes every request of a queue (Java: `clearMessageQueueInCache`). */
  removeQueue(key: string): void {
    this.items = this.items.slice(this.head).filter((r) => r.assigned.key !== key)
    this.head = 0
  }

  /** Wakes a waiting `poll` (a queue resumed: its requests may be taken now). */
  wake(): void {
    this.arrived.unsafeOpen()
  }

  /**
   * Waits, for a pull loop over a threshold, until `poll` takes a request (it may be under the threshold again) or
   * `millis` pass (Java waits the whole 50 ms; waking at once when room is made keeps a fast poller fed).
   */
  awaitRoom(millis: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.room.unsafeClose()
      return Effect.asVoid(Effect.timeoutOption(this.room.await, Duration.millis(millis)))
    })
  }

  /** Waits, after `take` found nothing, until a request arrives or a queue resumes, for at most `millis`. */
  waitFor(millis: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.arrived.unsafeClose()
      return Effect.asVoid(Effect.timeoutOption(this.arrived.await, Duration.millis(millis)))
    })
  }
}
