import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { messageQueueKey } from "../protocol/MessageQueue.js"
import { OffsetStoreError, type OffsetStoreService, OffsetTable } from "../services/OffsetStore.js"
import type { ConsumerApi } from "./consumer/ConsumerApi.js"

/**
 * The offset store of a clustering consumer group (Java: `RemoteBrokerOffsetStore`): offsets live on the broker that
 * holds each queue; this store caches them, reads a queue's offset from the broker when it has none, and sends what
 * it holds with UPDATE_CONSUMER_OFFSET when persisting. A negative offset is never sent.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (group: string, api: ConsumerApi): OffsetStoreService => {
  const table = new OffsetTable()
  const failure = (operation: "read" | "persist", error: { readonly message: string }, target: string) =>
    new OffsetStoreError({ operation, target, reason: error.message })

  const persistOne = (queue: Parameters<OffsetStoreService["persist"]>[0]) =>
    Effect.suspend(() => {
      const offset = table.get(queue)
      if (offset === undefined || offset < 0) return Effect.void
      return api.updateConsumerOffset(group, queue, offset).pipe(
        Effect.mapError((e) => failure("persist", e, messageQueueKey(queue)))
      )
    })

  return {
    load: Effect.void,
    updateOffset: (queue, offset, increaseOnly) => Effect.sync(() => table.update(queue, offset, increaseOnly)),
    readOffset: (queue, type) =>
      Effect.suspend(() => {
        const inMemory = table.fromMemory(queue, type)
        if (inMemory !== undefined) return Effect.succeed(inMemory)
        return api.queryConsumerOffset(group, queue).pipe(
          Effect.map(Option.getOrElse(() => -1)),
          Effect.tap((offset) => offset >= 0 ? Effect.sync(() => table.update(queue, offset, false)) : Effect.void),
          Effect.mapError((e) => failure("read", e, messageQueueKey(queue)))
        )
      }),
    persistAll: (queues) =>
      Effect.suspend(() => {
        // Java: offsets of queues no longer assigned are forgotten once persisted.
        const keep = new Set(queues.map(messageQueueKey))
        for (const [queue] of table.entries()) if (!keep.has(messageQueueKey(queue))) table.remove(queue)
        return Effect.forEach(queues, persistOne, { discard: true, concurrency: "unbounded" })
      }),
    persist: persistOne,
    removeOffset: (queue) => Effect.sync(() => table.remove(queue)),
    offsets: (topic) => Effect.sync(() => table.entries().filter(([q]) => q.topic === topic))
  }
}
