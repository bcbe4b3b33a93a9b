import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import type { ProtocolError } from "../protocol/ProtocolError.js"
import type { BrokerResponseError } from "./BrokerResponseError.js"
import type { NoNameServerError, RemotingError } from "./RemotingClient.js"

/**
 * Everything fetching a route can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type RouteError = RemotingError | NoNameServerError | ProtocolError | BrokerResponseError

/**
 * The routes of the topics this client uses, and the addresses of the brokers they name (Java: `MQClientInstance`'s
 * `topicRouteTable` and `brokerAddrTable`, kept by `updateTopicRouteInfoFromNameServer`).
 *
 * @since 0.1.0
 * @category services
 */
export interface TopicRouteCacheService {
  /** The cached route of a topic. */
  readonly route: (topic: string) => Effect.Effect<Option.Option<TopicRouteData>>
  /** The cached route of a topic, read at once: `route` for hot paths that are not written as Effects. */
  readonly cachedRoute: (topic: string) => TopicRouteData | undefined
  /**
   * Asks the name servers for a topic's route and caches it; answers whether it changed. A topic the name servers do
   * not know is `None` and leaves the cache as it was; a name server that is down fails and leaves it too.
   */
  readonly refresh: (
    topic: string
  ) => Effect.Effect<{ readonly route: Option.Option<TopicRouteData>; readonly changed: boolean }, RouteError>
  /** Broker name to broker id to address, for every broker a route named. */
  readonly brokerAddresses: Effect.Effect<ReadonlyMap<string, Readonly<Record<string, string>>>>
  /** The master's address of a broker (id 0). */
  readonly masterAddress: (brokerName: string) => Effect.Effect<Option.Option<string>>
  /** The master's address of a broker, read at once. */
  readonly cachedMasterAddress: (brokerName: string) => string | undefined
  /** Forgets the brokers no cached route names any more (Java: `cleanOfflineBroker`); answers their addresses. */
  readonly removeOfflineBrokers: Effect.Effect<ReadonlyArray<string>>
}

/**
 * The topic route cache service.
 *
 * @since 0.1.0
 * @category services
 */
export class TopicRouteCache extends Context.Tag("effect-rocketmq/TopicRouteCache")<
  TopicRouteCache,
  TopicRouteCacheService
>() {}
