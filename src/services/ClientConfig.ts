import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { networkInterfaces } from "node:os"
import type { AclCredentials } from "./AclCredentials.js"
import { clientEnvironmentVariables, readClientEnvironment } from "./ClientEnvironment.js"
import {
  ClientConfigError,
  clientDefaults,
  type ClientSettings,
  decodeClientSettings,
  nameServerListOf
} from "./ClientSettings.js"
import { resolveTls } from "./ClientTls.js"
import type { TlsOptions } from "./RemotingClient.js"

export {
  /**
   * @since 0.1.0
   * @category models
   */
  clientEnvironmentTable,
  /**
   * @since 0.1.0
   * @category models
   */
  type ClientEnvironmentVariable,
  /**
   * @since 0.1.0
   * @category models
   */
  clientEnvironmentVariables
} from "./ClientEnvironment.js"
export {
  /**
   * @since 0.1.0
   * @category errors
   */
  ClientConfigError,
  /**
   * @since 0.1.0
   * @category defaults
   */
  clientDefaults,
  /**
   * @since 0.1.0
   * @category models
   */
  ClientSettings,
  /**
   * @since 0.1.0
   * @category models
   */
  type TlsSettings
} from "./ClientSettings.js"

/**
 * The client's settings, validated, with Java's defaults (Java: `ClientConfig`, 4.9.8).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientConfig {
  /** Name servers as `host:port`; none means they come from the address server. */
  readonly nameServerAddresses: ReadonlyArray<string>
  /**
   * Java: `rocketmq.namesrv.domain`: the address server, asked when no name server is given. None by default (Java's
   * default, `jmenv.tbsite.net`, is not assumed).
   */
  readonly nameServerDomain: string | undefined
  /** Java: `rocketmq.namesrv.domain.subgroup` (default `nsaddr`). */
  readonly nameServerSubgroup: string
  readonly clientIP: string
  /** Java's default `DEFAULT` becomes `pid#time` (4.9.1+), so processes sharing an IP and pid never collide. */
  readonly instanceName: string
  readonly unitName: string | undefined
  readonly namespace: string | undefined
  /** Java: `pollNameServerInterval`, 30 s. */
  readonly pollNameServerInterval: Duration.Duration
  /** Java: `heartbeatBrokerInterval`, 30 s. */
  readonly heartbeatBrokerInterval: Duration.Duration
  /** Java: `persistConsumerOffsetInterval`, 5 s. */
  readonly persistConsumerOffsetInterval: Duration.Duration
  /** Java: `pullTimeDelayMillsWhenException`, 1 s. */
  readonly pullTimeDelayWhenException: Duration.Duration
  /**
   * Java: `mqClientApiTimeout`, 3 s: the timeout of each request the client makes of its own (route lookups,
   * heartbeats, registration and unregistration, offsets), the wait for a connection included.
   */
  readonly apiTimeout: Duration.Duration
  /**
   * Java: `connectTimeoutMillis` (`NettyClientConfig`, `com.rocketmq.remoting.client.connect.timeout`), 3 s: a
   * connection attempt not done by then is given up.
   */
  readonly connectTimeout: Duration.Duration
  /**
   * The most each shutdown step of the client instance may take (a producer's or consumer's unregistration with its
   * last offsets, the instance's own), 10 s; past it what is left of the step is given up and logged. Not in Java,
   * where each request waits for its own timeout in turn.
   */
  readonly shutdownTimeout: Duration.Duration
  /** Java: `vipChannelEnabled` (`com.rocketmq.sendMessageWithVIPChannel`), false. */
  readonly vipChannelEnabled: boolean
  /** The brokers' RocketMQ line: `auto` (from their heartbeat answers), or `4` or `5` forced. */
  readonly brokerVersion: "auto" | "4" | "5"
  readonly credentials: AclCredentials | undefined
  readonly tls: TlsOptions | undefined
}

/**
 * The client id brokers know this client by (Java: `ClientConfig.buildMQClientId`): `ip@instanceName[@unitName]`.
 *
 * @since 0.1.0
 * @category models
 */
export const clientId = (config: Pick<ClientConfig, "clientIP" | "instanceName" | "unitName">): string =>
  `${config.clientIP}@${config.instanceName}${config.unitName ? `@${config.unitName}` : ""}`

/** The first non-internal IPv4 address of this machine, else IPv6, else loopback (Java: `getLocalAddress`). */
const localAddress = (): string => {
  const addresses = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal)
  return addresses.find((a) => a!.family === "IPv4")?.address ?? addresses[0]?.address ?? "127.0.0.1"
}

const redacted = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * Validates settings and fills in Java's defaults (`clientDefaults`); the default instance name is `pid#nanoseconds`
 * read from `Clock`; TLS files are read and their keys loaded. Takes what plain JavaScript may pass: an unknown key is
 * a `ClientConfigError` naming it and the closest known setting, a bad value one naming the setting.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeClientConfig = (
  input: unknown,
  extra?: { readonly tls?: TlsOptions | undefined }
): Effect.Effect<ClientConfig, ClientConfigError> =>
  Effect.gen(function*() {
    const given = yield* decodeClientSettings(input)
    if ((given.accessKey === undefined) !== (given.secretKey === undefined)) {
      return yield* new ClientConfigError({
        setting: given.accessKey === undefined ? "accessKey" : "secretKey",
        reason: "access key and secret key go together"
      })
    }
    const tls = extra?.tls ?? (yield* resolveTls(given.tls))
    const clock = yield* Effect.clock
    const d = clientDefaults
    return {
      nameServerAddresses: given.nameServerAddress === undefined ? [] : nameServerListOf(given.nameServerAddress),
      nameServerDomain: given.nameServerDomain,
      nameServerSubgroup: given.nameServerSubgroup ?? d.nameServerSubgroup,
      clientIP: given.clientIP ?? localAddress(),
      instanceName: given.instanceName === undefined || given.instanceName === d.instanceName
        ? `${process.pid}#${clock.unsafeCurrentTimeNanos()}`
        : given.instanceName,
      unitName: given.unitName === "" ? undefined : given.unitName,
      namespace: given.namespace === "" ? undefined : given.namespace,
      pollNameServerInterval: Duration.millis(given.pollNameServerIntervalMillis ?? d.pollNameServerIntervalMillis),
      heartbeatBrokerInterval: Duration.millis(given.heartbeatBrokerIntervalMillis ?? d.heartbeatBrokerIntervalMillis),
      persistConsumerOffsetInterval: Duration.millis(
        given.persistConsumerOffsetIntervalMillis ?? d.persistConsumerOffsetIntervalMillis
      ),
      pullTimeDelayWhenException: Duration.millis(
        given.pullTimeDelayMillisWhenException ?? d.pullTimeDelayMillisWhenException
      ),
      apiTimeout: Duration.millis(given.apiTimeoutMillis ?? d.apiTimeoutMillis),
      connectTimeout: Duration.millis(given.connectTimeoutMillis ?? d.connectTimeoutMillis),
      shutdownTimeout: Duration.millis(given.shutdownTimeoutMillis ?? d.shutdownTimeoutMillis),
      vipChannelEnabled: given.vipChannelEnabled ?? d.vipChannelEnabled,
      brokerVersion: given.brokerVersion ?? d.brokerVersion,
      credentials: given.accessKey === undefined || given.secretKey === undefined
        ? undefined
        : {
          accessKey: given.accessKey,
          secretKey: redacted(given.secretKey),
          securityToken: given.securityToken === undefined ? undefined : redacted(given.securityToken)
        },
      tls
    }
  })

/**
 * The error when a client has neither name servers nor an address server to ask for them.
 *
 * @since 0.1.0
 * @category errors
 */
export const noNameServerError = (): ClientConfigError =>
  new ClientConfigError({
    setting: "nameServerAddress",
    reason: "no name server: set nameServerAddress (ROCKETMQ_NAMESRV_ADDR), e.g. \"127.0.0.1:9876\", or an address " +
      "server with nameServerDomain (ROCKETMQ_NAMESRV_DOMAIN)"
  })

/**
 * Where the client's name servers come from: its fixed list, or the address server when one is set; with neither, a
 * `ClientConfigError` saying how to set one.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nameServerSource = (
  config: Pick<ClientConfig, "nameServerAddresses" | "nameServerDomain">
): Either.Either<
  { readonly _tag: "Fixed"; readonly addresses: ReadonlyArray<string> } | {
    readonly _tag: "AddressServer"
    readonly domain: string
  },
  ClientConfigError
> =>
  config.nameServerAddresses.length > 0
    ? Either.right({ _tag: "Fixed", addresses: config.nameServerAddresses })
    : config.nameServerDomain !== undefined
    ? Either.right({ _tag: "AddressServer", domain: config.nameServerDomain })
    : Either.left(noNameServerError())

/**
 * The settings in the environment (the variables of `clientEnvironmentVariables`), as `ClientSettings`. A value not
 * of its kind is a `ClientConfigError` naming the variable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const clientConfigFromEnv: Effect.Effect<ClientSettings, ClientConfigError> = Effect.map(
  readClientEnvironment,
  (env) => env.settings
)

const definedOnly = (settings: ClientSettings): ClientSettings =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined))

/**
 * The client's settings from the environment, with `overrides` (those defined) in place of what it says. Every
 * error about a setting not overridden names its variable (the one read, or the one missing).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeClientConfigFromEnv = (
  overrides: ClientSettings = {}
): Effect.Effect<ClientConfig, ClientConfigError> =>
  Effect.flatMap(readClientEnvironment, ({ settings, variables }) => {
    const given = definedOnly(overrides)
    return makeClientConfig({ ...settings, ...given }).pipe(
      Effect.mapError((error) => {
        const variable = variables.get(error.setting) ??
          clientEnvironmentVariables.find((v) => v.setting === error.setting)?.name
        const overridden = error.setting.split(".")[0]! in given
        return variable === undefined || overridden ? error : new ClientConfigError({
          setting: variable,
          reason: error.reason
        })
      })
    )
  })

/** The first leaf of a `ConfigError` (its path and message). */
const firstProblem = (error: ConfigError.ConfigError): { readonly path: string; readonly message: string } => {
  switch (error._op) {
    case "And":
    case "Or":
      return firstProblem(error.left)
    default:
      return { path: error.path.join("."), message: error.message }
  }
}

/**
 * The client's settings from `Config` values, one per setting (`Config.Wrap<ClientSettings>`, as `@effect/sql-pg`'s
 * `layerConfig` takes them): a value the `ConfigProvider` cannot give is a `ClientConfigError` naming what it was
 * looking for (its path: the variable's name for `Config.string("NAME")`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeClientConfigFromConfig = (
  config: Config.Config.Wrap<ClientSettings>
): Effect.Effect<ClientConfig, ClientConfigError> =>
  Config.unwrap(config).pipe(
    Effect.mapError((error) => {
      const problem = firstProblem(error)
      return new ClientConfigError({ setting: problem.path || "(config)", reason: problem.message })
    }),
    Effect.flatMap((settings) => makeClientConfig(settings))
  )
