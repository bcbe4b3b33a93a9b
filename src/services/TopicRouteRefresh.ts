import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { RouteError } from "./TopicRouteCache.js"

/**
 * Keeps the routes of every topic the instance's groups use fresh (Java: `MQClientInstance`'s
 * `updateTopicRouteInfoFromNameServer`, every `pollNameServerInterval` after 10 ms): each topic's route asked again,
 * and a changed route told to the producers and consumers.
 *
 * @since 0.1.0
 * @category services
 */
export interface TopicRouteRefreshService {
  /**
   * Refreshes the route of every topic a producer publishes to or a consumer subscribes to, now. Every topic is tried;
   * the first failure is the result.
   */
  readonly refreshAll: Effect.Effect<void, RouteError>
}

/**
 * The route refresh service.
 *
 * @since 0.1.0
 * @category services
 */
export class TopicRouteRefresh extends Context.Tag("effect-rocketmq/TopicRouteRefresh")<
  TopicRouteRefresh,
  TopicRouteRefreshService
>() {}
