import type { HttpClient } from "@effect/platform"
import { type ConfigError, Effect, Layer } from "effect"
import { aclRpcHook } from "../services/AclCredentials.js"
import { type ClientConfigError, clientConfigFromEnv, makeClientConfig } from "../services/ClientConfig.js"
import type { ClientStartError } from "../services/ClientInstance.js"
import type { NameServerAddresses } from "../services/NameServerAddresses.js"
import type { RemotingClient } from "../services/RemotingClient.js"
import type { RequestHandlers } from "../services/RequestHandlers.js"
import { RpcHooks } from "../services/RpcHooks.js"
import type { TopicRouteCache } from "../services/TopicRouteCache.js"
import * as ClientInstanceLive from "./ClientInstanceLive.js"
import * as NameServerAddressesLive from "./NameServerAddressesLive.js"
import * as RemotingClientLive from "./RemotingClientLive.js"
import { RequestHandlersLive } from "./RequestHandlersLive.js"
import * as TopicRouteCacheLive from "./TopicRouteCacheLive.js"

/**
 * Everything a producer or consumer stands on: the client instance and the services beneath it.
 *
 * @since 0.1.0
 * @category models
 */
export type Client =
  | ClientInstanceLive.ClientInstanceServices
  | TopicRouteCache
  | RemotingClient
  | RequestHandlers
  | NameServerAddresses

/**
 * The whole client from its settings (validated first): name servers (fixed, or from the address server over
 * `HttpClient`), the transport (the ACL hook when credentials are given, TLS when set, the API and connect
 * timeouts), the route cache and the client instance with its subsystems (`ClientInstanceLive.compose`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  input: unknown
): Layer.Layer<Client, ClientConfigError | ClientStartError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.map(makeClientConfig(input), (config) => {
      const transport = RemotingClientLive.layer({
        defaultTimeout: config.apiTimeout,
        connectTimeout: config.connectTimeout,
        tls: config.tls
      }).pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provideMerge(NameServerAddressesLive.fromClientConfig(config)),
        Layer.provide(RpcHooks.layer(config.credentials === undefined ? [] : [aclRpcHook(config.credentials)]))
      )
      return ClientInstanceLive.compose(config).pipe(
        Layer.provideMerge(TopicRouteCacheLive.layer),
        Layer.provideMerge(transport)
      )
    })
  )

/**
 * The whole client with its settings read from the environment (`ROCKETMQ_NAMESRV_ADDR` and the others of
 * `clientConfigFromEnv`), overridden by `overrides`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv = (
  overrides: Record<string, unknown> = {}
): Layer.Layer<Client, ClientConfigError | ClientStartError | ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(Effect.map(clientConfigFromEnv, (fromEnv) => layer({ ...fromEnv, ...overrides })))
