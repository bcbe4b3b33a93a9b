import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import type { MessageQueueAssignment } from "../../protocol/bodies/AssignmentBodies.js"
import type { TopicRouteData } from "../../protocol/bodies/TopicRouteData.js"
import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { ProcessQueue } from "../../services/ProcessQueue.js"
import type { PullMessageServiceService } from "../../services/PullMessageService.js"
import { makeConsumeLock } from "./ConsumeLock.js"
import type { ConsumerContext } from "./ConsumerContext.js"
import { makePopConsume, popLoop } from "./PopLoop.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

/**
 * The key under which a group's pop loops run in the pull message service: apart from its pull loops (a queue may
 * move from one mode to the other), yet stopped with them when the group stops.
 *
 * @since 0.1.0
 * @category consumer
 */
export const popLoopGroup = (group: string): string => `${group}\u0001POP`

/** Java: `RebalanceImpl.TIMEOUT_CHECK_TIMES`, 3 tries of `QUERY_ASSIGNMENT_TIMEOUT` (3 s) shared out. */
const QUERY_TRIES = 3
const QUERY_TIMEOUT_MILLIS = 3_000

/**
 * The broker's assignment of a consumer's queues (Java 5.x: `RebalanceImpl.tryQueryAssignment`,
 * `getRebalanceResultFromBroker`, the pop half of `updateMessageQueueAssignment`), for a consumer with
 * `clientRebalance: false`: QUERY_ASSIGNMENT to one broker of the topic says which queues are pulled and which popped;
 * the popped ones get a pop loop each (in the instance's pull message service), the pulled ones go to the usual
 * rebalance. A topic whose broker refuses the query (a 4.x broker: REQUEST_CODE_NOT_SUPPORTED), or that times out
 * three times before ever answering, is left to the client's own allocation from then on, as Java does.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makePopAssignment = (context: ConsumerContext, pulls: PullMessageServiceService) => {
  const { api, routes, settings } = context
  const consume = makePopConsume(context)
  const held = new Map<string, HeldQueue>()
  /** Topics the broker assigns (it answered once) and topics left to the client (Java: `topicBrokerRebalance`, ...). */
  const brokerTopics = new Set<string>()
  const clientTopics = new Set<string>()
  const loopGroup = popLoopGroup(settings.group)

  /** One broker of the topic, its master preferred (Java: `MQClientInstance.findBrokerAddrByTopic`). */
  const brokerOf = (topic: string) =>
    Effect.gen(function*() {
      const cached = yield* routes.route(topic)
      const route: Option.Option<TopicRouteData> = Option.isSome(cached)
        ? cached
        : Either.getOrElse(Either.map(yield* Effect.either(routes.refresh(topic)), (r) => r.route), () => Option.none())
      if (Option.isNone(route) || route.value.brokerDatas.length === 0) return undefined
      const brokers = route.value.brokerDatas
      const broker = brokers[yield* Random.nextIntBetween(0, brokers.length)]!
      return broker.brokerAddrs["0"] ?? Object.values(broker.brokerAddrs)[0]
    })

  const query = (topic: string, timeoutMillis: number) =>
    Effect.gen(function*() {
      const address = yield* brokerOf(topic)
      if (address === undefined) return undefined
      return yield* api.queryAssignment(address, {
        clientId: settings.clientId,
        consumerGroup: settings.group,
        messageModel: settings.messageModel,
        strategyName: settings.strategy.name,
        topic
      }, Duration.millis(timeoutMillis))
    })

  /**
   * The broker's assignment of a topic, or `None` when the topic is the client's to allocate (its broker never
   * answered the query); `Some(undefined)` when the broker had nothing to say this round.
   */
  const assignment = (topic: string) =>
    Effect.gen(function*() {
      if (clientTopics.has(topic)) return Option.none()
      if (brokerTopics.has(topic)) {
        const got = yield* Effect.either(query(topic, QUERY_TIMEOUT_MILLIS))
        if (Either.isLeft(got)) {
          yield* Effect.logWarning("the broker's assignment failed").pipe(
            Effect.annotateLogs({ topic, error: got.left.message })
          )
          return Option.some(undefined)
        }
        return Option.some(got.right)
      }
      for (let attempt = 1; attempt <= QUERY_TRIES; attempt++) {
        const got = yield* Effect.either(query(topic, (QUERY_TIMEOUT_MILLIS / QUERY_TRIES) * attempt))
        if (Either.isRight(got)) {
          brokerTopics.add(topic)
          return Option.some(got.right)
        }
        if (got.left._tag !== "RemotingTimeoutError") {
          yield* Effect.logInfo("the broker does not assign queues; this client allocates them").pipe(
            Effect.annotateLogs({ topic, error: got.left.message })
          )
          break
        }
      }
      clientTopics.add(topic)
      return Option.none()
    })

  /** Stops the pop loop of a queue (Java: the pop half of `removeUnnecessaryPopMessageQueue`). */
  const release = (h: HeldQueue) =>
    Effect.zipRight(
      Effect.sync(() => {
        h.processQueue.drop()
        held.delete(h.key)
      }),
      pulls.stop(loopGroup, h.queue)
    )

  /** Starts popping a queue: a new pop loop (Java: a new `PopRequest`). */
  const take = (queue: MessageQueue) =>
    Effect.gen(function*() {
      const h: HeldQueue = {
        key: messageQueueKey(queue),
        queue,
        processQueue: new ProcessQueue(),
        consumeLock: makeConsumeLock()
      }
      h.processQueue.pulledAt(yield* Clock.currentTimeMillis)
      held.set(h.key, h)
      yield* pulls.start(loopGroup, queue, popLoop(context, consume, h))
      yield* Effect.logDebug("queue popped").pipe(
        Effect.annotateLogs({ topic: queue.topic, broker: queue.brokerName, queue: queue.queueId })
      )
    })

  /** The popped queues of a topic are now `mine`: the others stop, the new ones start. Answers whether any changed. */
  const update = (topic: string, mine: ReadonlyArray<MessageQueue>) =>
    Effect.gen(function*() {
      const wanted = new Set(mine.map(messageQueueKey))
      let changed = false
      for (const h of [...held.values()]) {
        if (h.queue.topic === topic && !wanted.has(h.key)) {
          yield* release(h)
          changed = true
        }
      }
      for (const queue of mine) {
        if (held.has(messageQueueKey(queue))) continue
        yield* take(queue)
        changed = true
      }
      return changed
    })

  return {
    assignment,
    update,
    /** The queues popped now. */
    popped: (): ReadonlyArray<MessageQueue> => [...held.values()].map((h) => h.queue),
    /** At shutdown: every pop loop's queue dropped (the loops are stopped with the group's). */
    dropAll: Effect.sync(() => {
      for (const h of held.values()) h.processQueue.drop()
    })
  }
}

/**
 * The broker's assignment of a consumer's queues.
 *
 * @since 0.1.0
 * @category consumer
 */
export type PopAssignment = ReturnType<typeof makePopAssignment>

/**
 * The queues of an assignment read in one mode.
 *
 * @since 0.1.0
 * @category consumer
 */
export const queuesIn = (
  assignments: ReadonlyArray<MessageQueueAssignment>,
  mode: MessageQueueAssignment["mode"]
): ReadonlyArray<MessageQueue> => assignments.filter((a) => a.mode === mode).map((a) => a.messageQueue)
