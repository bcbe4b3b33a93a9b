import * as Effect from "effect/Effect"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { LitePullArgumentError, QueueNotAssignedError, SeekOffsetError } from "../../services/LitePullConsumer.js"
import type { AssignedQueue } from "./AssignedQueue.js"
import type { LitePullContext } from "./LitePullContext.js"
import type { LitePullQueues } from "./Queues.js"

/**
 * A lite pull consumer's seeks and commits (Java: `seek`, `seekToBegin`, `seekToEnd`, `commitSync`, 5.x's
 * `commit(offsets, persist)`), each checked before anything changes: a queue not held is a `QueueNotAssignedError`, a
 * seek outside the queue's offsets a `SeekOffsetError`.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const makeSeeks = (context: LitePullContext, queues: LitePullQueues, lock: Effect.Semaphore) => {
  const { api, offsetStore, table } = context
  const locked = lock.withPermits(1)

  const assignedOrFail = (queue: MessageQueue) =>
    Effect.suspend(() => {
      const assigned = table.get(queue)
      return assigned !== undefined ? Effect.succeed(assigned) : Effect.fail(
        new QueueNotAssignedError({ queue, rebalancing: context.state.subscriptionType === "SUBSCRIBE" })
      )
    })

  const seek = (queue: MessageQueue, offset: number) =>
    locked(Effect.gen(function*() {
      const assigned = yield* assignedOrFail(queue)
      const [minOffset, maxOffset] = yield* Effect.all([api.minOffset(queue), api.maxOffset(queue)])
      if (offset < minOffset || offset > maxOffset) {
        return yield* new SeekOffsetError({ queue, offset, minOffset, maxOffset })
      }
      if (!assigned.processQueue.dropped) yield* queues.restartAt(assigned, offset)
    }))

  const commit = (offsets: ReadonlyArray<readonly [MessageQueue, number]>, persist = true) =>
    locked(Effect.gen(function*() {
      const checked = yield* Effect.forEach(
        offsets,
        ([queue, offset]): Effect.Effect<
          readonly [AssignedQueue, number],
          LitePullArgumentError | QueueNotAssignedError
        > =>
          offset < 0
            ? Effect.fail(new LitePullArgumentError({ reason: `commit offset ${offset} is negative` }))
            : Effect.map(assignedOrFail(queue), (assigned) => [assigned, offset] as const)
      )
      for (const [assigned, offset] of checked) {
        if (!assigned.processQueue.dropped) yield* offsetStore.updateOffset(assigned.queue, offset, false)
      }
      if (persist) yield* offsetStore.persistAll(checked.map(([assigned]) => assigned.queue))
    }))

  return {
    seek,
    seekToBegin: (queue: MessageQueue) => Effect.flatMap(api.minOffset(queue), (offset) => seek(queue, offset)),
    seekToEnd: (queue: MessageQueue) => Effect.flatMap(api.maxOffset(queue), (offset) => seek(queue, offset)),
    commit,
    commitSync: locked(Effect.zipRight(queues.commitAll, Effect.suspend(() => offsetStore.persistAll(table.queues()))))
  }
}
