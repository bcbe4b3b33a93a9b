import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { TopicRouteData } from "../../protocol/bodies/TopicRouteData.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { brokerNameOfQueue } from "../../protocol/StaticTopic.js"
import type { NameServerAddressesService } from "../../services/NameServerAddresses.js"
import { NoRouteError } from "../../services/Producer.js"
import { publishQueues } from "../../services/TopicPublishInfo.js"
import type { RouteError, TopicRouteCacheService } from "../../services/TopicRouteCache.js"
import type { ProducerSettings } from "./ProducerSettings.js"

/**
 * A producer's view of the routes of the topics it sends to (Java: `DefaultMQProducerImpl.topicPublishInfoTable`,
 * filled by `tryToFindTopicPublishInfo`): the queues of each topic, the round-robin counter each topic's queue
 * selection starts from (Java: `TopicPublishInfo.sendWhichQueue`), and the master address of the broker of a queue
 * (Java: `findBrokerAddressInPublish`). The routes themselves are the client instance's `TopicRouteCache`.
 *
 * @since 0.1.0
 * @category producer
 */
export interface TopicPublishInfoTable {
  /** The topics sent to so far (heartbeats carry them, Java: `getPublishTopicList`). */
  readonly topics: Effect.Effect<ReadonlyArray<string>>
  /** The queues of a topic: from its route, or from the default topic's when the broker will create it. */
  readonly queuesOf: (topic: string) => Effect.Effect<ReadonlyArray<MessageQueue>, NoRouteError | RouteError>
  /** The queues of a topic whose route is cached, read at once; undefined when it is not cached. */
  readonly cachedQueuesOf: (topic: string) => ReadonlyArray<MessageQueue> | undefined
  /** The next value of a topic's round-robin counter. */
  readonly nextCounter: (topic: string) => number
  /** The master address of a queue's broker, the topic's route fetched again when it is not known. */
  readonly brokerOf: (queue: MessageQueue) => Effect.Effect<string, NoRouteError | RouteError>
  /** The master address of a queue's broker when it is cached, read at once. */
  readonly cachedBrokerOf: (queue: MessageQueue) => string | undefined
  /** The broker serving a queue: its own, or for a static topic's logical queue the one its route maps it to. */
  readonly brokerNameOf: (queue: MessageQueue) => string
}

/**
 * A producer's topic publish info table, over the client's route cache.
 *
 * @since 0.1.0
 * @category producer
 */
export const makeTopicPublishInfoTable = (
  routes: TopicRouteCacheService,
  nameServers: NameServerAddressesService,
  settings: ProducerSettings
): TopicPublishInfoTable => {
  const { createTopicKey, defaultTopicQueueNums } = settings
  const topics = new Set<string>()
  const publishQueuesOf = new WeakMap<TopicRouteData, ReadonlyArray<MessageQueue>>()
  const counters = new Map<string, number>()

  /** The queues a send can pick from for a route (worked out once per route: a refresh replaces the route). */
  const publishQueuesFor = (topic: string, route: TopicRouteData) => {
    let queues = publishQueuesOf.get(route)
    if (queues === undefined) {
      queues = publishQueues(topic, route)
      publishQueuesOf.set(route, queues)
    }
    return queues
  }

  const queuesOf = (topic: string) =>
    Effect.gen(function*() {
      topics.add(topic)
      const cached = yield* routes.route(topic)
      const route = Option.isSome(cached) ? cached : (yield* routes.refresh(topic)).route
      if (Option.isSome(route)) return publishQueuesFor(topic, route.value)
      const fallback = (yield* routes.refresh(createTopicKey)).route
      if (Option.isSome(fallback)) {
        // Java: a topic not yet created gets min(defaultTopicQueueNums, the default topic's) queues per broker.
        return publishQueues(topic, {
          ...fallback.value,
          queueDatas: fallback.value.queueDatas.map((q) => ({
            ...q,
            readQueueNums: Math.min(defaultTopicQueueNums, q.readQueueNums),
            writeQueueNums: Math.min(defaultTopicQueueNums, q.writeQueueNums)
          }))
        })
      }
      return yield* new NoRouteError({ topic, nameServers: yield* nameServers.get })
    })

  const cachedQueuesOf = (topic: string) => {
    const route = routes.cachedRoute(topic)
    if (route === undefined) return undefined
    topics.add(topic)
    return publishQueuesFor(topic, route)
  }

  const nextCounter = (topic: string) => {
    const n = counters.get(topic) ?? 0
    counters.set(topic, n + 1)
    return n
  }

  const brokerNameOf = (queue: MessageQueue) => brokerNameOfQueue(routes.cachedRoute(queue.topic), queue)

  const brokerOf = (queue: MessageQueue) =>
    Effect.flatMap(Effect.suspend(() => routes.masterAddress(brokerNameOf(queue))), (address) =>
      Option.isSome(address)
        ? Effect.succeed(address.value)
        : Effect.flatMap(
          routes.refresh(queue.topic),
          () =>
            Effect.flatMap(Effect.suspend(() => routes.masterAddress(brokerNameOf(queue))), (again) =>
              Option.isSome(again)
                ? Effect.succeed(again.value)
                : Effect.fail(new NoRouteError({ topic: queue.topic, nameServers: [] })))
        ))

  return {
    topics: Effect.sync(() => [...topics]),
    queuesOf,
    cachedQueuesOf,
    nextCounter,
    brokerOf,
    cachedBrokerOf: (queue) => routes.cachedMasterAddress(brokerNameOf(queue)),
    brokerNameOf
  }
}
