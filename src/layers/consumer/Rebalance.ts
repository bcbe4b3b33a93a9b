import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import { PermName, type TopicRouteData } from "../../protocol/bodies/TopicRouteData.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import { compareMessageQueues, type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { staticTopicEndpoints } from "../../protocol/StaticTopic.js"
import { ProcessQueue } from "../../services/ProcessQueue.js"
import type { PullMessageServiceService } from "../../services/PullMessageService.js"
import { makeConsumeLock } from "./ConsumeLock.js"
import { type ConsumerContext, type ConsumerSettings, PULL_MAX_IDLE_MILLIS } from "./ConsumerContext.js"
import { type PopAssignment, queuesIn } from "./PopAssignment.js"
import type { HeldQueue } from "./ProcessQueueTable.js"
import { type ConsumeService, pullLoop } from "./PullLoop.js"
import type { QueueLocks } from "./QueueLocks.js"

/** How long releasing an orderly queue waits for its batch in flight (Java: `tryLock(1000 ms)`). */
const UNLOCK_WAIT = Duration.seconds(1)

/**
 * The queues a consumer may read of a topic (Java: `MQClientInstance.topicRouteData2TopicSubscribeInfo`): queue ids
 * 0 to readQueueNums-1 of every broker whose queues are readable.
 *
 * @since 0.1.0
 * @category consumer
 */
export const subscribeQueues = (topic: string, route: TopicRouteData): ReadonlyArray<MessageQueue> => {
  // Java 5.x: a static topic's logical queues (`topicRouteData2EndpointsForStaticTopic`).
  const logical = staticTopicEndpoints(topic, route)
  if (logical.length > 0) return logical.map((e) => e.queue)
  return route.queueDatas
    .filter((q) => (q.perm & PermName.READ) !== 0)
    .flatMap((q) =>
      Array.from({ length: q.readQueueNums }, (_, queueId) => ({ topic, brokerName: q.brokerName, queueId }))
    )
    .sort(compareMessageQueues)
}

/**
 * What a rebalance of one topic changes (Java: `updateProcessQueueTableInRebalance`): the queues held that are not
 * this consumer's any more, or were not pulled for too long, are let go; the queues allocated that are not held
 * once that is done are taken (an idle queue still allocated is taken again in the same round). Pure: the held
 * queues with their last pull time, the allocation, and the time now.
 *
 * @since 0.1.0
 * @category consumer
 */
export const rebalanceDiff = (
  held: ReadonlyArray<{ readonly queue: MessageQueue; readonly lastPullTimestamp: number }>,
  mine: ReadonlyArray<MessageQueue>,
  now: number
): {
  readonly release: ReadonlyArray<{ readonly queue: MessageQueue; readonly idle: boolean }>
  readonly take: ReadonlyArray<MessageQueue>
} => {
  const wanted = new Set(mine.map(messageQueueKey))
  const release = held.flatMap((h) => {
    const idle = now - h.lastPullTimestamp > PULL_MAX_IDLE_MILLIS
    return !wanted.has(messageQueueKey(h.queue)) || idle ? [{ queue: h.queue, idle }] : []
  })
  // What stays held once the releases are done: an idle queue still allocated is let go and taken again at once.
  const released = new Set(release.map((r) => messageQueueKey(r.queue)))
  const kept = new Set(held.map((h) => messageQueueKey(h.queue)).filter((key) => !released.has(key)))
  const take = mine.filter((q) => {
    const key = messageQueueKey(q)
    if (kept.has(key)) return false
    kept.add(key)
    return true
  })
  return { release, take }
}

/**
 * Where a newly taken queue starts (Java: `RebalancePushImpl.computePullFromWhere`): its stored offset, else by
 * consume-from-where: the last offset (max offset; 0 for a retry topic), the first (0), or the one at the consume
 * timestamp.
 *
 * @since 0.1.0
 * @category consumer
 */
export const computePullFromWhere = (
  context: {
    readonly api: Pick<ConsumerContext["api"], "maxOffset" | "searchOffset">
    readonly offsetStore: ConsumerContext["offsetStore"]
    readonly settings: Pick<ConsumerSettings, "consumeFromWhere" | "consumeTimestamp">
  },
  queue: MessageQueue
) =>
  Effect.gen(function*() {
    const { api, offsetStore, settings } = context
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
 * The queues of a topic this consumer should hold now (Java: `rebalanceByTopic`): every readable queue in
 * broadcasting; in clustering, the allocation strategy's share among the group's client ids (asked of one broker of
 * the topic). `undefined` when the topic has no route or the group no member yet.
 *
 * @since 0.1.0
 * @category consumer
 */
export const allocation = (
  context: {
    readonly api: Pick<ConsumerContext["api"], "consumerIds">
    readonly instance: ConsumerContext["instance"]
    readonly routes: ConsumerContext["routes"]
    readonly settings: Pick<ConsumerSettings, "group" | "clientId" | "messageModel" | "strategy">
  },
  topic: string
) =>
  Effect.gen(function*() {
    const { api, instance, routes, settings } = context
    const cached = yield* routes.route(topic)
    const route = Option.isSome(cached) ? cached : (yield* Effect.either(routes.refresh(topic))).pipe(
      Either.map((r) => r.route),
      Either.getOrElse(() => Option.none<TopicRouteData>())
    )
    if (Option.isNone(route)) return undefined
    const mqAll = subscribeQueues(topic, route.value)
    if (settings.messageModel !== "CLUSTERING") return mqAll
    /** The client ids of the group, from one broker of the topic (Java: `findConsumerIdList`). */
    const consumerIds = Effect.gen(function*() {
      const brokers = route.value.brokerDatas
      if (brokers.length === 0) return []
      const broker = brokers[yield* Random.nextIntBetween(0, brokers.length)]!
      const address = broker.brokerAddrs["0"] ?? Object.values(broker.brokerAddrs)[0]
      if (address === undefined) return []
      return yield* api.consumerIds(settings.group, address)
    })
    // A broker this client never sent a heartbeat to (its topic is new here) does not know the group yet: tell it,
    // and ask once more, rather than wait for the next heartbeat round.
    const ids = yield* consumerIds.pipe(Effect.catchAll(() => Effect.zipRight(instance.sendHeartbeat, consumerIds)))
    const cidAll = [...ids].sort()
    if (cidAll.length === 0) return undefined
    return settings.strategy.allocate(settings.clientId, mqAll, cidAll)
  })

/**
 * `allocation`, a failure logged ("rebalance of a topic failed") and answered as `undefined`, as no allocation: the
 * topic's queues stay as they are until the next round.
 *
 * @since 0.1.0
 * @category consumer
 */
export const allocationOrLogged = (context: Parameters<typeof allocation>[0], topic: string) =>
  Effect.flatMap(
    Effect.either(allocation(context, topic)),
    (mine) =>
      Either.isRight(mine) ? Effect.succeed(mine.right) : Effect.as(
        Effect.logWarning("rebalance of a topic failed").pipe(Effect.annotateLogs({ topic, error: mine.left.message })),
        undefined
      )
  )

/**
 * The rebalance of one push consumer (Java: `RebalanceImpl` with `RebalancePushImpl`): which queues are this
 * consumer's, letting go of the ones that are not any more and taking the new ones from the offset the store or
 * consume-from-where gives (its pull loop run by the instance's pull message service), with the broker locks of
 * orderly consumption. One round at a time: a round, an offset reset and the stop wait for each other.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (
  context: ConsumerContext,
  consume: ConsumeService,
  pulls: PullMessageServiceService,
  locks: QueueLocks,
  pop?: PopAssignment
) => Effect.map(Effect.makeSemaphore(1), (rounds) => makeWith(context, consume, pulls, locks, rounds, pop))

/**
 * Taking and letting go of one queue (Java: `RebalancePushImpl`'s `removeUnnecessaryMessageQueue` and the new
 * `PullRequest`s of `updateProcessQueueTableInRebalance`).
 */
const queueTaking = (
  context: ConsumerContext,
  consume: ConsumeService,
  pulls: PullMessageServiceService,
  locks: QueueLocks
) => {
  const { offsetStore, processQueues, settings } = context
  const orderlyLocks = settings.orderly && settings.messageModel === "CLUSTERING"

  /**
   * Lets go of a queue (Java: `removeUnnecessaryMessageQueue`): the pull loop stops, its offset is persisted and
   * forgotten; an orderly queue waits for its batch in flight, then its broker lock is released.
   */
  const release = (held: HeldQueue) =>
    Effect.gen(function*() {
      held.processQueue.drop()
      yield* pulls.stop(settings.group, held.queue)
      processQueues.remove(held)
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
      yield* Effect.ensuring(Effect.zipRight(settleOffsets, locks.unlock([held.queue])), held.consumeLock.release(1))
    }).pipe(annotateQueue(held.queue))

  /**
   * Takes a queue: from `startAt` when given (an offset reset), else from where `computePullFromWhere` says; its pull
   * loop is started in the instance's pull message service.
   */
  const take = (queue: MessageQueue, startAt?: number) =>
    Effect.gen(function*() {
      const held: HeldQueue = {
        key: messageQueueKey(queue),
        queue,
        processQueue: new ProcessQueue(),
        consumeLock: makeConsumeLock()
      }
      if (orderlyLocks && !(yield* locks.lockHeld(held))) {
        yield* Effect.logInfo("queue locked by another consumer; not taken this time")
        return false
      }
      if (startAt === undefined) yield* offsetStore.removeOffset(queue)
      const next = yield* Effect.either(
        startAt === undefined ? computePullFromWhere(context, queue) : Effect.succeed(startAt)
      )
      if (Either.isLeft(next)) {
        yield* Effect.logWarning("cannot compute where to pull from; the queue waits for the next rebalance").pipe(
          Effect.annotateLogs({ error: next.left.message })
        )
        if (orderlyLocks) yield* locks.unlock([queue])
        return false
      }
      held.processQueue.pulledAt(yield* Clock.currentTimeMillis)
      processQueues.add(held)
      yield* pulls.start(settings.group, queue, pullLoop(context, consume, held, next.right))
      yield* Effect.logDebug("queue taken").pipe(Effect.annotateLogs({ offset: next.right }))
      return true
    }).pipe(annotateQueue(queue))

  return { release, take }
}

/** The log annotations of one queue. */
const annotateQueue = (queue: MessageQueue) =>
  Effect.annotateLogs({ topic: queue.topic, broker: queue.brokerName, queue: queue.queueId })

const makeWith = (
  context: ConsumerContext,
  consume: ConsumeService,
  pulls: PullMessageServiceService,
  locks: QueueLocks,
  rounds: Effect.Semaphore,
  pop: PopAssignment | undefined
) => {
  const { instance, offsetStore, processQueues, settings } = context
  let stopped = false
  const orderlyLocks = settings.orderly && settings.messageModel === "CLUSTERING"
  const { release, take } = queueTaking(context, consume, pulls, locks)

  /** Java: `updateProcessQueueTableInRebalance` for one topic: answers whether anything changed. */
  const updateTopic = (topic: string, mine: ReadonlyArray<MessageQueue>) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const held = processQueues.all().filter((h) => h.queue.topic === topic)
      const diff = rebalanceDiff(
        held.map((h) => ({ queue: h.queue, lastPullTimestamp: h.processQueue.lastPullTimestamp })),
        mine,
        now
      )
      const heldByKey = new Map(held.map((h) => [h.key, h]))
      for (const { idle, queue } of diff.release) {
        if (idle) {
          yield* Effect.logWarning("queue not pulled for too long; dropped").pipe(annotateQueue(queue))
        }
        yield* release(heldByKey.get(messageQueueKey(queue))!)
      }
      let taken = 0
      for (const queue of diff.take) if (yield* take(queue)) taken++
      return diff.release.length > 0 || taken > 0
    })

  /** One rebalance of every subscribed topic (Java: `doRebalance`). */
  const doRebalance = Effect.gen(function*() {
    let changed = false
    for (const topic of context.subscriptions.keys()) {
      // Java 5.x (`clientRebalance` false): the broker says which queues are pulled and which popped.
      const assigned = pop === undefined ? Option.none() : yield* pop.assignment(topic)
      if (Option.isSome(assigned)) {
        if (assigned.value === undefined) continue
        // Pulled queues let go first: their offsets are persisted before pops start from them.
        if (yield* updateTopic(topic, queuesIn(assigned.value, "PULL"))) changed = true
        if (yield* pop!.update(topic, queuesIn(assigned.value, "POP"))) changed = true
        continue
      }
      const mine = yield* allocationOrLogged(context, topic)
      if (mine === undefined) continue
      if (yield* updateTopic(topic, mine)) changed = true
    }
    // Java: `truncateMessageQueueNotMyTopic`.
    for (const held of processQueues.all()) {
      if (!context.subscriptions.has(held.queue.topic)) {
        yield* release(held)
        changed = true
      }
    }
    // Java: `messageQueueChanged` sends heartbeats at once for a push consumer.
    if (changed) yield* instance.sendHeartbeat
  }).pipe(Effect.annotateLogs({ group: settings.group }))

  /**
   * RESET_CONSUMER_CLIENT_OFFSET (Java: `MQClientInstance.resetOffset`): the topic's queues held are let go, the new
   * offsets stored and persisted, and the queues taken again from them.
   */
  const resetOffset = (topic: string, offsets: ReadonlyArray<readonly [MessageQueue, number]>) =>
    rounds.withPermits(1)(Effect.gen(function*() {
      const wanted = new Map(offsets.map(([q, o]) => [messageQueueKey(q), o]))
      const retake: Array<readonly [MessageQueue, number]> = []
      for (const held of processQueues.all()) {
        const offset = wanted.get(held.key)
        if (held.queue.topic !== topic || offset === undefined) continue
        yield* offsetStore.updateOffset(held.queue, offset, false)
        yield* release(held)
        retake.push([held.queue, offset])
      }
      for (const [queue, offset] of retake) yield* take(queue, offset)
      yield* Effect.logInfo("consume offsets reset by the broker").pipe(
        Effect.annotateLogs({ group: settings.group, topic, queues: retake.length })
      )
    }))

  /**
   * At shutdown, once offsets are persisted: every queue is dropped and orderly locks are released (Java:
   * `unlockAll(false)`). The queues stay listed, so the client instance persists their offsets once more.
   */
  const releaseAll = Effect.suspend(() => {
    const held = processQueues.all()
    for (const h of held) h.processQueue.drop()
    return orderlyLocks ? locks.unlock(held.map((h) => h.queue)) : Effect.void
  })

  return {
    /** One round, unless the consumer stopped. */
    rebalance: rounds.withPermits(1)(Effect.suspend(() => (stopped ? Effect.void : doRebalance))),
    resetOffset,
    /**
     * No round after this; waits for the one running, if any, up to `within` (each of its requests has its own
     * timeout, which may be longer): answers whether no round runs any more.
     */
    stop: (within: Duration.Duration) =>
      Effect.zipRight(
        Effect.sync(() => void (stopped = true)),
        Effect.flatMap(rounds.withPermitsIfAvailable(1)(Effect.void), (free) =>
          Option.isSome(free)
            ? Effect.succeed(true)
            : Effect.map(
              Effect.timeoutOption(Effect.interruptible(rounds.withPermits(1)(Effect.void)), within),
              Option.isSome
            ))
      ),
    releaseAll
  }
}
