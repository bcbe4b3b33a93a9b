import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ClientConfig } from "../services/ClientConfig.js"
import { GroupTable } from "../services/GroupTable.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { TopicRouteRefresh } from "../services/TopicRouteRefresh.js"
import { forEachTried, scheduled } from "./ScheduledTask.js"

/**
 * The first refresh after the instance starts (Java: `startScheduledTask`, 10 ms).
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DELAY = Duration.millis(10)

/**
 * The route refresh over the route cache, with its scheduled task: first after 10 ms, then every
 * `pollNameServerInterval` (30 s), a failing round logged and counted (task `routeRefresh`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Pick<ClientConfig, "pollNameServerInterval">
): Layer.Layer<TopicRouteRefresh, never, GroupTable | TopicRouteCache> =>
  Layer.scoped(
    TopicRouteRefresh,
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const routes = yield* TopicRouteCache

      const usedTopics = Effect.gen(function*() {
        const topics = new Set<string>()
        for (const p of yield* groups.producers) for (const t of yield* p.topics) topics.add(t)
        for (const c of yield* groups.consumers) {
          for (const s of (yield* c.data).subscriptionDataSet) topics.add(s.topic)
        }
        return [...topics]
      })

      /** One topic's route asked again; a changed route is told to the producers and consumers. */
      const refresh = (topic: string) =>
        Effect.gen(function*() {
          const { changed, route } = yield* routes.refresh(topic)
          if (!changed || Option.isNone(route)) return
          for (const p of yield* groups.producers) if (p.onRouteChanged) yield* p.onRouteChanged(topic, route.value)
          for (const c of yield* groups.consumers) if (c.onRouteChanged) yield* c.onRouteChanged(topic, route.value)
        })

      const refreshAll = Effect.flatMap(usedTopics, (topics) => forEachTried(topics, refresh))

      yield* scheduled("routeRefresh", FIRST_DELAY, config.pollNameServerInterval, refreshAll)
      return { refreshAll }
    })
  )
