import { Clock, Duration, Effect, Either, Option, Random } from "effect"
import { PermName, type TopicRouteData } from "../../protocol/bodies/TopicRouteData.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { compareMessageQueues } from "../../protocol/MessageQueue.js"
import { ProcessQueue } from "../../services/ProcessQueue.js"
import type { PullMessageServiceService } from "../../services/PullMessageService.js"
import { type ConsumerContext, type HeldQueue, PULL_MAX_IDLE_MILLIS } from "./ConsumerContext.js"
import { type ConsumeService, pullLoop } from "./PullLoop.js"

/** How long releasing an orderly queue waits for its batch in flight (Java: `tryLock(1000 ms)`). */
const UNLOCK_WAIT = Duration.seconds(1)

/**
 * The queues a consumer may read of a topic (Java: `MQClientInstance.topicRouteData2TopicSubscribeInfo`): queue ids
 * 0 to readQueueNums-1 of every broker whose queues are readable.
 *
 * @since 0.1.0
 * @category consumer
 */
export const subscribeQueues = (topic: string, route: TopicRouteData): ReadonlyArray<MessageQueue> =>
  route.queueDatas
    .filter((q) => (q.perm & PermName.READ) !== 0)
    .flatMap((q) =>
      Array.from({ length: q.readQueueNums }, (_, queueId) => ({ topic, brokerName: q.brokerName, queueId }))
    )
    .sort(compareMessageQueues)

/**
 * The rebalance of one push consumer (Java: `RebalanceImpl` with `RebalancePushImpl`): which queues are this
 * consumer's, dropping the ones that are not any more and taking the new ones from the offset the store or
 * consume-from-where gives (its pull loop run by the instance's pull message service), plus the broker locks of
 * orderly consumption.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (
  context: ConsumerContext,
  consume: ConsumeService,
  pulls: PullMessageServiceService
) => {
  const { api, instance, offsetStore, routes, settings } = context
  const clustering = settings.messageModel === "CLUSTERING"
  const orderlyLocks = settings.orderly && clustering
  const lockBody = (queues: ReadonlyArray<MessageQueue>) => ({
    clientId: settings.clientId,
    consumerGroup: settings.group,
    mqSet: queues
  })

  /** LOCK_BATCH_MQ for one queue (Java: `RebalanceImpl.lock`). */
  const lock = (queue: MessageQueue) =>
    api.lockBatch(lockBody([queue]), queue).pipe(
      Effect.map((locked) => locked.some((q) => messageQueueKey(q) === messageQueueKey(queue))),
      Effect.catchAll((error) =>
        Effect.as(Effect.logWarning("lock failed").pipe(Effect.annotateLogs({ error: error.message })), false)
      )
    )

  const lockHeld = (held: HeldQueue) =>
    Effect.flatMap(lock(held.queue), (locked) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        held.processQueue.locked = locked
        if (locked) held.processQueue.lastLockTimestamp = now
        return locked
      }))

  const byBroker = (queues: ReadonlyArray<MessageQueue>) => {
    const groups = new Map<string, Array<MessageQueue>>()
    for (const q of queues) groups.set(q.brokerName, [...(groups.get(q.brokerName) ?? []), q])
    return groups
  }

  /** Renews the lock of every queue held, broker by broker (Java: `lockAll`, every 20 s). */
  const lockAll = Effect.gen(function*() {
    const held = [...context.held.values()]
    for (const [, queues] of byBroker(held.map((h) => h.queue))) {
      const locked = yield* Effect.either(api.lockBatch(lockBody(queues), queues[0]!))
      if (Either.isLeft(locked)) {
        yield* Effect.logWarning("lock renewal failed").pipe(Effect.annotateLogs({ error: locked.left.message }))
        continue
      }
      const now = yield* Clock.currentTimeMillis
      const ok = new Set(locked.right.map(messageQueueKey))
      for (const h of held) {
        if (h.queue.brokerName !== queues[0]!.brokerName) continue
        h.processQueue.locked = ok.has(h.key)
        if (h.processQueue.locked) h.processQueue.lastLockTimestamp = now
      }
    }
  })

  /** Releases the locks of these queues (Java: `unlockAll` / `unlock`). */
  const unlock = (queues: ReadonlyArray<MessageQueue>) =>
    Effect.forEach(byBroker(queues), ([, qs]) =>
      api.unlockBatch(lockBody(qs), qs[0]!).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("unlock failed").pipe(Effect.annotateLogs({ error: error.message }))
        )
      ), { discard: true })

  /**
   * Where a newly taken queue starts (Java: `RebalancePushImpl.computePullFromWhere`): its stored offset, else by
   * consume-from-where: the last offset (max offset; 0 for a retry topic), the first (0), or the one at the
   * consume timestamp.
   */
  const computePullFromWhere = (queue: MessageQueue) =>
    Effect.gen(function*() {
      const stored = yield* offsetStore.readOffset(queue, "READ_FROM_STORE")
      if (stored >= 0) return stored
      const retry = queue.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)
      switch (settings.consumeFromWhere) {
        case "CONSUME_FROM_FIRST_OFFSET":
        case "CONSUME_FROM_MIN_OFFSET":
          return 0
        case "CONSUME_FROM_TIMESTAMP":
          return retry ? yield* api.maxOffset(queue) : yield* api.searchOffset(queue, settings.consumeTimestamp)
        default:
          return retry ? 0 : yield* api.maxOffset(queue)
      }
    })

  /**
   * Lets go of a queue (Java: `removeUnnecessaryMessageQueue`): the pull loop stops, its offset is persisted and
   * forgotten; an orderly queue waits for its batch in flight, then its broker lock is released.
   */
  const release = (held: HeldQueue) =>
    Effect.gen(function*() {
      held.processQueue.dropped = true
      yield* pulls.stop(settings.group, held.queue)
      context.held.delete(held.key)
      const settleOffsets = Effect.zipRight(
        Effect.ignoreLogged(offsetStore.persist(held.queue)),
        offsetStore.removeOffset(held.queue)
      )
      if (!orderlyLocks) return yield* settleOffsets
      // Java (`removeUnnecessaryMessageQueue`): wait up to 1 s for the batch in flight; if it does not end, its result
      // will not be committed (the queue is dropped) and the broker lock is left to expire rather than released.
      const got = yield* Effect.timeoutOption(held.consumeLock.take(1), UNLOCK_WAIT)
      if (Option.isNone(got)) {
        yield* settleOffsets
        return yield* Effect.logWarning("an orderly batch is still running; the queue's broker lock is left to expire")
      }
      yield* Effect.ensuring(Effect.zipRight(settleOffsets, unlock([held.queue])), held.consumeLock.release(1))
    }).pipe(Effect.annotateLogs({ topic: held.queue.topic, broker: held.queue.brokerName, queue: held.queue.queueId }))

  /**
   * Takes a queue: from `startAt` when given (an offset reset), else from where `computePullFromWhere` says; its pull
   * loop is forked into the consumer's `FiberMap`.
   */
  const take = (queue: MessageQueue, startAt?: number) =>
    Effect.gen(function*() {
      const key = messageQueueKey(queue)
      const held: HeldQueue = {
        key,
        queue,
        processQueue: new ProcessQueue(),
        nextOffset: 0,
        pullFromBrokerId: 0,
        consumeLock: yield* Effect.makeSemaphore(1)
      }
      if (orderlyLocks && !(yield* lockHeld(held))) {
        yield* Effect.logInfo("queue locked by another consumer; not taken this time")
        return false
      }
      if (startAt === undefined) yield* offsetStore.removeOffset(queue)
      const next = yield* Effect.either(startAt === undefined ? computePullFromWhere(queue) : Effect.succeed(startAt))
      if (Either.isLeft(next)) {
        yield* Effect.logWarning("cannot compute where to pull from; the queue waits for the next rebalance").pipe(
          Effect.annotateLogs({ error: next.left.message })
        )
        if (orderlyLocks) yield* unlock([queue])
        return false
      }
      held.nextOffset = next.right
      held.processQueue.lastPullTimestamp = yield* Clock.currentTimeMillis
      context.held.set(key, held)
      yield* pulls.start(settings.group, queue, pullLoop(context, consume, held))
      yield* Effect.logDebug("queue taken").pipe(Effect.annotateLogs({ offset: held.nextOffset }))
      return true
    }).pipe(Effect.annotateLogs({ topic: queue.topic, broker: queue.brokerName, queue: queue.queueId }))

  /** The client ids of the group, from one broker of the topic (Java: `findConsumerIdList`). */
  const consumerIds = (topic: string) =>
    Effect.gen(function*() {
      const route = yield* routes.route(topic)
      if (Option.isNone(route) || route.value.brokerDatas.length === 0) return []
      const brokers = route.value.brokerDatas
      const broker = brokers[yield* Random.nextIntBetween(0, brokers.length)]!
      const address = broker.brokerAddrs["0"] ?? Object.values(broker.brokerAddrs)[0]
      if (address === undefined) return []
      return yield* api.consumerIds(settings.group, address)
    })

  /** The queues of a topic this consumer should hold now. */
  const allocation = (topic: string) =>
    Effect.gen(function*() {
      const cached = yield* routes.route(topic)
      const route = Option.isSome(cached) ? cached : (yield* Effect.either(routes.refresh(topic))).pipe(
        Either.map((r) => r.route),
        Either.getOrElse(() => Option.none<TopicRouteData>())
      )
      if (Option.isNone(route)) return undefined
      const mqAll = subscribeQueues(topic, route.value)
      if (!clustering) return mqAll
      // A broker this client never sent a heartbeat to (its topic is new here) does not know the group yet: tell it,
      // and ask once more, rather than wait for the next heartbeat round.
      const ids = yield* consumerIds(topic).pipe(
        Effect.catchAll(() => Effect.zipRight(instance.sendHeartbeat, consumerIds(topic)))
      )
      const cidAll = [...ids].sort()
      if (cidAll.length === 0) return undefined
      return settings.strategy.allocate(settings.clientId, mqAll, cidAll)
    })

  /** Java: `updateProcessQueueTableInRebalance`: drops what is not ours (or idle too long), takes what is new. */
  const updateTopic = (topic: string, mine: ReadonlyArray<MessageQueue>) =>
    Effect.gen(function*() {
      const wanted = new Set(mine.map(messageQueueKey))
      const now = yield* Clock.currentTimeMillis
      let changed = false
      for (const held of [...context.held.values()]) {
        if (held.queue.topic !== topic) continue
        const idle = now - held.processQueue.lastPullTimestamp > PULL_MAX_IDLE_MILLIS
        if (!wanted.has(held.key) || idle) {
          if (idle) {
            yield* Effect.logWarning("queue not pulled for too long; dropped").pipe(
              Effect.annotateLogs({ key: held.key })
            )
          }
          yield* release(held)
          changed = true
        }
      }
      for (const queue of mine) {
        if (context.held.has(messageQueueKey(queue))) continue
        if (yield* take(queue)) changed = true
      }
      return changed
    })

  /** One rebalance of every subscribed topic (Java: `doRebalance`). */
  const rebalance = Effect.gen(function*() {
    let changed = false
    for (const topic of context.subscriptions.keys()) {
      const mine = yield* Effect.either(allocation(topic))
      if (Either.isLeft(mine)) {
        yield* Effect.logWarning("rebalance of a topic failed").pipe(
          Effect.annotateLogs({ topic, error: mine.left.message })
        )
        continue
      }
      if (mine.right === undefined) continue
      if (yield* updateTopic(topic, mine.right)) changed = true
    }
    // Java: `truncateMessageQueueNotMyTopic`.
    for (const held of [...context.held.values()]) {
      if (!context.subscriptions.has(held.queue.topic)) {
        yield* release(held)
        changed = true
      }
    }
    // Java: `messageQueueChanged` sends heartbeats at once for a push consumer.
    if (changed) yield* instance.sendHeartbeat
  }).pipe(Effect.annotateLogs({ group: settings.group }))

  /**
   * At shutdown, once offsets are persisted: every queue is dropped and orderly locks are released (Java:
   * `unlockAll(false)`). The queues stay listed, so the client instance persists their offsets once more.
   */
  const releaseAll = Effect.gen(function*() {
    const held = [...context.held.values()]
    for (const h of held) h.processQueue.dropped = true
    if (orderlyLocks) yield* unlock(held.map((h) => h.queue))
  })

  return { rebalance, lockAll, releaseAll, lockHeld, release, take }
}
