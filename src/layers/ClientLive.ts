import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { aclRpcHook } from "../services/AclCredentials.js"
import {
  type ClientConfig,
  type ClientConfigError,
  type ClientSettings,
  makeClientConfig,
  makeClientConfigFromConfig,
  makeClientConfigFromEnv,
  nameServerSource
} from "../services/ClientConfig.js"
import type { ClientStartError } from "../services/ClientInstance.js"
import type { NameServerAddresses } from "../services/NameServerAddresses.js"
import type { RemotingClient } from "../services/RemotingClient.js"
import type { RequestHandlers } from "../services/RequestHandlers.js"
import { RpcHooks } from "../services/RpcHooks.js"
import type { TopicRouteCache } from "../services/TopicRouteCache.js"
import type { TraceDispatcher } from "../services/TraceDispatcher.js"
import * as ClientInstanceLive from "./ClientInstanceLive.js"
import * as NameServerAddressesLive from "./NameServerAddressesLive.js"
import * as RemotingClientLive from "./RemotingClientLive.js"
import { RequestHandlersLive } from "./RequestHandlersLive.js"
import * as TopicRouteCacheLive from "./TopicRouteCacheLive.js"
import * as TraceDispatcherLive from "./TraceDispatcherLive.js"

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
  | TraceDispatcher

/**
 * The whole client from a validated configuration: name servers (fixed, or from the address server, whose HTTP client
 * is loaded only then; with neither, a `ClientConfigError` saying how to set one), the transport (the ACL hook when
 * credentials are given, TLS when set, the API and connect timeouts), the route cache, the client instance with its
 * subsystems (`ClientInstanceLive.compose`) and, above it, the instance's message trace dispatcher.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromClientConfig = (
  config: ClientConfig
): Layer.Layer<Client, ClientConfigError | ClientStartError> => {
  const missing = Either.getLeft(nameServerSource(config))
  if (Option.isSome(missing)) return Layer.fail(missing.value)
  const transport = RemotingClientLive.layer({
    defaultTimeout: config.apiTimeout,
    connectTimeout: config.connectTimeout,
    tls: config.tls
  }).pipe(
    Layer.provideMerge(RequestHandlersLive),
    Layer.provideMerge(NameServerAddressesLive.fromClientConfig(config)),
    Layer.provide(RpcHooks.layer(config.credentials === undefined ? [] : [aclRpcHook(config.credentials)]))
  )
  return TraceDispatcherLive.layer.pipe(
    Layer.provideMerge(ClientInstanceLive.compose(config)),
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(transport)
  )
}

/**
 * The whole client from its settings, typed (a misspelt setting does not compile; from plain JavaScript, an unknown
 * one is a `ClientConfigError` naming it and the closest known setting). Settings are validated and Java's defaults
 * filled in (`clientDefaults`); TLS files are read at start.
 *
 * @example
 * ```ts
 * const Client = ClientLive.layer({ nameServerAddress: "127.0.0.1:9876", apiTimeoutMillis: 5_000 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  settings: ClientSettings
): Layer.Layer<Client, ClientConfigError | ClientStartError> =>
  Layer.unwrapEffect(Effect.map(makeClientConfig(settings), fromClientConfig))

/**
 * The whole client from `Config` values, one per setting (as `@effect/sql-pg`'s `layerConfig`); what the
 * `ConfigProvider` cannot give is a `ClientConfigError` naming the path it looked for.
 *
 * @example
 * ```ts
 * const Client = ClientLive.layerConfig({
 *   nameServerAddress: Config.string("NAMESRV"),
 *   secretKey: Config.redacted("SECRET")
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<ClientSettings>
): Layer.Layer<Client, ClientConfigError | ClientStartError> =>
  Layer.unwrapEffect(Effect.map(makeClientConfigFromConfig(config), fromClientConfig))

/**
 * The whole client with its settings read from the environment (every variable of `clientEnvironmentVariables`:
 * `ROCKETMQ_NAMESRV_ADDR`, ..., `ROCKETMQ_TLS_*`), the settings of `overrides` that are defined in place of theirs.
 * A bad value read from a variable is a `ClientConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv = (
  overrides: ClientSettings = {}
): Layer.Layer<Client, ClientConfigError | ClientStartError> =>
  Layer.unwrapEffect(Effect.map(makeClientConfigFromEnv(overrides), fromClientConfig))
