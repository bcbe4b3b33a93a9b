import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"

/**
 * How long a broker-side queue lock lives without renewal (Java: `rocketmq.broker.rebalance.lockMaxLiveTime`, 60 s).
 *
 * @since 0.1.0
 * @category embedded
 */
export const LOCK_MAX_LIVE_MILLIS = 60_000

interface LockEntry {
  clientId: string
  lastUpdate: number
}

/**
 * The broker's locks on queues for orderly consumers (Java: `RebalanceLockManager`): a queue is locked by one client
 * of a group at a time; the holder renews it by locking again; a lock not renewed for 60 s can be taken by another.
 *
 * @since 0.1.0
 * @category embedded
 */
export class QueueLocks {
  private readonly groups = new Map<string, Map<string, LockEntry>>()

  private table(group: string): Map<string, LockEntry> {
    let table = this.groups.get(group)
    if (table === undefined) {
      table = new Map()
      this.groups.set(group, table)
    }
    return table
  }

  /** Locks what it can of `queues` for the client; answers the queues it holds now (Java: `tryLockBatch`). */
  tryLockBatch(group: string, queues: ReadonlyArray<MessageQueue>, clientId: string, now: number): Array<MessageQueue> {
    const table = this.table(group)
    const locked: Array<MessageQueue> = []
    for (const queue of queues) {
      const key = messageQueueKey(queue)
      const entry = table.get(key)
      if (entry === undefined || entry.clientId === clientId || now - entry.lastUpdate > LOCK_MAX_LIVE_MILLIS) {
        table.set(key, { clientId, lastUpdate: now })
        locked.push(queue)
      }
    }
    return locked
  }

  /** Releases the client's locks on `queues` (Java: `unlockBatch`). */
  unlockBatch(group: string, queues: ReadonlyArray<MessageQueue>, clientId: string): void {
    const table = this.groups.get(group)
    if (table === undefined) return
    for (const queue of queues) {
      const key = messageQueueKey(queue)
      if (table.get(key)?.clientId === clientId) table.delete(key)
    }
  }

  /** The client holding a live lock on a queue, if any. */
  holder(group: string, queue: MessageQueue, now: number): string | undefined {
    const entry = this.groups.get(group)?.get(messageQueueKey(queue))
    return entry !== undefined && now - entry.lastUpdate <= LOCK_MAX_LIVE_MILLIS ? entry.clientId : undefined
  }
}
