import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import type { ConsumerContext } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

/**
 * The broker locks of an orderly clustering consumer's queues (Java: `RebalanceImpl.lock`, `lockAll`, `unlock`,
 * `unlockAll`): LOCK_BATCH_MQ and UNLOCK_BATCH_MQ to each queue's broker master, the answer kept in the queue's
 * process queue (locked, and when).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface QueueLocks {
  /** Locks one queue held; answers whether the broker gave the lock (a failed call is a refusal, logged). */
  readonly lockHeld: (held: HeldQueue) => Effect.Effect<boolean>
  /** Renews the lock of every queue held, broker by broker (Java: `lockAll`, every 20 s). */
  readonly lockAll: Effect.Effect<void>
  /** Releases the locks of these queues, broker by broker; a failure is logged. */
  readonly unlock: (queues: ReadonlyArray<MessageQueue>) => Effect.Effect<void>
}

const byBroker = (queues: ReadonlyArray<MessageQueue>) => {
  const groups = new Map<string, Array<MessageQueue>>()
  for (const q of queues) {
    const group = groups.get(q.brokerName)
    if (group === undefined) groups.set(q.brokerName, [q])
    else group.push(q)
  }
  return [...groups.values()]
}

/**
 * The queue locks of one consumer.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeQueueLocks = (context: ConsumerContext): QueueLocks => {
  const { api, settings } = context
  const lockBody = (queues: ReadonlyArray<MessageQueue>) => ({
    clientId: settings.clientId,
    consumerGroup: settings.group,
    mqSet: queues
  })

  const lockHeld = (held: HeldQueue) =>
    api.lockBatch(lockBody([held.queue]), held.queue).pipe(
      Effect.map((locked) => locked.some((q) => messageQueueKey(q) === held.key)),
      Effect.catchAll((error) =>
        Effect.as(Effect.logWarning("lock failed").pipe(Effect.annotateLogs({ error: error.message })), false)
      ),
      Effect.flatMap((locked) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          held.processQueue.setLocked(locked, now)
          return locked
        })
      )
    )

  const lockAll = Effect.gen(function*() {
    const held = context.processQueues.all()
    for (const queues of byBroker(held.map((h) => h.queue))) {
      const broker = queues[0]!
      const locked = yield* Effect.either(api.lockBatch(lockBody(queues), broker))
      if (Either.isLeft(locked)) {
        yield* Effect.logWarning("lock renewal failed").pipe(Effect.annotateLogs({ error: locked.left.message }))
        continue
      }
      const now = yield* Clock.currentTimeMillis
      const ok = new Set(locked.right.map(messageQueueKey))
      for (const h of held) if (h.queue.brokerName === broker.brokerName) h.processQueue.setLocked(ok.has(h.key), now)
    }
  })

  const unlock = (queues: ReadonlyArray<MessageQueue>) =>
    Effect.forEach(byBroker(queues), (qs) =>
      api.unlockBatch(lockBody(qs), qs[0]!).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("unlock failed").pipe(Effect.annotateLogs({ error: error.message }))
        )
      ), { discard: true })

  return { lockHeld, lockAll, unlock }
}
