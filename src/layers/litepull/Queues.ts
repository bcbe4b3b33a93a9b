import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { ProcessQueue } from "../../services/ProcessQueue.js"
import { allocationOrLogged, rebalanceDiff } from "../consumer/Rebalance.js"
import { AssignedQueue } from "./AssignedQueue.js"
import type { LitePullContext } from "./LitePullContext.js"
import { litePullLoop } from "./PullTask.js"

/** The log annotations of one queue. */
const annotateQueue = (queue: MessageQueue) =>
  Effect.annotateLogs({ topic: queue.topic, broker: queue.brokerName, queue: queue.queueId })

/**
 * Taking, letting go of and seeking the queues of a lite pull consumer (Java: `AssignedMessageQueue`, the pull task
 * table of `DefaultLitePullConsumerImpl` and `RebalanceLitePullImpl`), and committing what `poll` handed out. The
 * callers hold the consumer's lock: one change of its queues at a time.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const makeQueues = (context: LitePullContext) => {
  const { cache, offsetStore, pulls, settings, table } = context

  /** Starts the pull loop of a queue's current process queue. */
  const startLoop = (assigned: AssignedQueue, startOffset: number | undefined) =>
    pulls.start(settings.group, assigned.queue, litePullLoop(context, assigned, assigned.processQueue, startOffset))

  /**
   * Takes a queue (Java: `updateAssignedMessageQueue` and `startPullTask`): its pull loop starts from the committed
   * offset, else where consume-from-where says (Java's `fetchConsumeOffset`), computed by the loop.
   */
  const take = (queue: MessageQueue) =>
    Effect.gen(function*() {
      if (table.has(queue)) return
      const assigned = new AssignedQueue(queue)
      // Java: `removeDirtyOffset`: what memory held of the queue is read again from the store.
      yield* offsetStore.removeOffset(queue)
      assigned.processQueue.pulledAt(yield* Clock.currentTimeMillis)
      table.add(assigned)
      yield* startLoop(assigned, undefined)
      yield* Effect.logDebug("queue taken")
    }).pipe(annotateQueue(queue))

  /** Commits what `poll` handed out of a queue (Java: the loop body of `commitAll`). */
  const commitHandedOut = (assigned: AssignedQueue) =>
    assigned.consumeOffset >= 0 && !assigned.processQueue.dropped
      ? offsetStore.updateOffset(assigned.queue, assigned.consumeOffset, false)
      : Effect.void

  /**
   * Lets go of a queue (Java: `removeUnnecessaryMessageQueue` and the cancelled pull task): with auto-commit, what
   * `poll` handed out is committed first; the queue's offset is persisted, its pull loop stopped, its buffered
   * messages forgotten.
   */
  const release = (assigned: AssignedQueue) =>
    Effect.gen(function*() {
      if (settings.autoCommit) yield* commitHandedOut(assigned)
      assigned.processQueue.drop()
      yield* pulls.stop(settings.group, assigned.queue)
      table.remove(assigned)
      cache.removeQueue(assigned.key)
      yield* Effect.ignoreLogged(offsetStore.persist(assigned.queue))
      yield* offsetStore.removeOffset(assigned.queue)
      yield* Effect.logDebug("queue let go")
    }).pipe(annotateQueue(assigned.queue))

  /**
   * The queue's next poll starts at `offset` (Java: `seek` after its checks): the offset is committed, the queue's
   * buffer emptied (its process queue dropped for a new one) and its pull loop started again from there.
   */
  const restartAt = (assigned: AssignedQueue, offset: number) =>
    Effect.gen(function*() {
      assigned.processQueue.drop()
      cache.removeQueue(assigned.key)
      assigned.processQueue = new ProcessQueue()
      assigned.processQueue.pulledAt(yield* Clock.currentTimeMillis)
      assigned.consumeOffset = offset
      yield* offsetStore.updateOffset(assigned.queue, offset, false)
      yield* startLoop(assigned, offset)
    }).pipe(annotateQueue(assigned.queue))

  /** Commits what `poll` handed out of every queue held (Java: `commitAll`). */
  const commitAll = Effect.suspend(() => Effect.forEach(table.all(), commitHandedOut, { discard: true }))

  /** Holds exactly `queues` of a topic, or of every topic when `topic` is undefined (assign mode). */
  const holdExactly = (topic: string | undefined, queues: ReadonlyArray<MessageQueue>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const held = table.all().filter((h) => topic === undefined || h.queue.topic === topic)
      // A lite pull consumer never lets an idle queue go (Java: CONSUME_ACTIVELY): every queue counts as pulled now.
      const diff = rebalanceDiff(held.map((h) => ({ queue: h.queue, lastPullTimestamp: now })), queues, now)
      const byKey = new Map(held.map((h) => [h.key, h]))
      for (const { queue } of diff.release) {
        const assigned = byKey.get(messageQueueKey(queue))
        if (assigned !== undefined) yield* release(assigned)
      }
      for (const queue of diff.take) yield* take(queue)
      return diff.release.length + diff.take.length > 0
    })

  /** One rebalance of every subscribed topic (Java: `RebalanceImpl.doRebalance` with `RebalanceLitePullImpl`). */
  const doRebalance = Effect.gen(function*() {
    for (const topic of context.subscriptions.keys()) {
      const mine = yield* allocationOrLogged(context, topic)
      if (mine !== undefined) yield* holdExactly(topic, mine)
    }
    // Java: `truncateMessageQueueNotMyTopic`.
    for (const assigned of table.all()) {
      if (!context.subscriptions.has(assigned.queue.topic)) yield* release(assigned)
    }
  }).pipe(Effect.annotateLogs({ group: settings.group }))

  return { take, release, restartAt, commitAll, holdExactly, doRebalance }
}

/**
 * A lite pull consumer's queue changes.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export type LitePullQueues = ReturnType<typeof makeQueues>
