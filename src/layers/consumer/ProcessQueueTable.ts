import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import type { ProcessQueue } from "../../services/ProcessQueue.js"
import type { ConsumeLock } from "./ConsumeLock.js"

/**
 * A queue held by this consumer (Java: a `processQueueTable` entry): its cache of pulled messages with their
 * per-queue state (dropped, locked, timestamps; `ProcessQueue`), and for orderly consumption the lock a batch holds
 * while it runs, so that a rebalance can wait for it before unlocking the queue. Where the next pull starts is the
 * pull loop's own.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface HeldQueue {
  readonly key: string
  readonly queue: MessageQueue
  readonly processQueue: ProcessQueue
  readonly consumeLock: ConsumeLock
}

/**
 * What the table keeps per queue: at least the queue and its key (a push consumer's `HeldQueue`, a lite pull
 * consumer's assigned queue).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface QueueEntry {
  readonly key: string
  readonly queue: MessageQueue
}

/**
 * The queues one consumer holds, by message queue (Java: `RebalanceImpl.processQueueTable`). The rebalance adds and
 * removes them; the pull loop, the consume services and the consumer's reports only read them (a pull loop whose
 * offset is illegal removes its own queue). Readers get a copy taken when they ask.
 *
 * @since 0.1.0
 * @category consumer
 */
export class ProcessQueueTable<H extends QueueEntry = HeldQueue> {
  private readonly table = new Map<string, H>()

  /** Whether a queue is held. */
  has(queue: MessageQueue): boolean {
    return this.table.has(messageQueueKey(queue))
  }
  /** The entry of a queue, if held. */
  get(queue: MessageQueue): H | undefined {
    return this.table.get(messageQueueKey(queue))
  }
  /** Every queue held, now. */
  all(): ReadonlyArray<H> {
    return [...this.table.values()]
  }
  /** The message queues held, now. */
  queues(): ReadonlyArray<MessageQueue> {
    return this.all().map((h) => h.queue)
  }
  /** How many queues of a topic are held (a per-topic flow-control limit is shared among them). */
  countOfTopic(topic: string): number {
    let n = 0
    for (const h of this.table.values()) if (h.queue.topic === topic) n++
    return n
  }
  /** Adds a queue taken by the rebalance. */
  add(held: H): void {
    this.table.set(held.key, held)
  }
  /** Removes a queue, if this very entry is still the one held for it. */
  remove(held: H): void {
    if (this.table.get(held.key) === held) this.table.delete(held.key)
  }
}
