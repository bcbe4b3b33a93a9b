import { Config, Data, Duration, Effect, Either, Option, ParseResult, Schema } from "effect"
import { isIP } from "node:net"
import { networkInterfaces } from "node:os"
import { parseHostAddress } from "../protocol/HostAddress.js"
import type { AclCredentials } from "./AclCredentials.js"
import { parseNameServerList } from "./NameServerAddresses.js"
import type { TlsOptions } from "./RemotingClient.js"

/**
 * A setting of the client that is not valid: which one, and what is wrong with it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientConfigError extends Data.TaggedError("ClientConfigError")<{
  readonly setting: string
  readonly reason: string
}> {
  override get message(): string {
    return `client setting ${this.setting}: ${this.reason}`
  }
}

/**
 * The client's settings, validated, with Java's defaults (Java: `ClientConfig`, 4.9.8).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientConfig {
  /** Name servers as `host:port`; none means they come from the address server. */
  readonly nameServerAddresses: ReadonlyArray<string>
  /** Java: `rocketmq.namesrv.domain` (default `jmenv.tbsite.net`). */
  readonly nameServerDomain: string
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

const millis = (setting: string) =>
  Schema.Number.pipe(
    Schema.int({ message: () => `${setting} must be a whole number of milliseconds` }),
    Schema.positive({ message: () => `${setting} must be more than 0 ms` })
  )

/** A secret given in code as text, or from `Config.redacted` already redacted; `Redacted` either way. */
const secret = (value: typeof Schema.String | typeof Schema.NonEmptyString) =>
  Schema.Union(Schema.RedactedFromSelf(value), Schema.Redacted(value))

const NameServerList = Schema.String.pipe(
  Schema.filter((text) => {
    const list = parseNameServerList(text.includes("/") ? text.slice(text.lastIndexOf("/") + 1) : text)
    if (list.length === 0) return "no name server address in it"
    const bad = list.find((a) => parseHostAddress(a) === undefined)
    return bad === undefined ? true : `${JSON.stringify(bad)} is not host:port`
  })
)

/**
 * The settings as given, in code or from the environment; every one may be left out.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientConfigInput = Schema.Struct({
  nameServerAddress: Schema.optional(NameServerList),
  nameServerDomain: Schema.optional(Schema.NonEmptyTrimmedString),
  nameServerSubgroup: Schema.optional(Schema.NonEmptyTrimmedString),
  clientIP: Schema.optional(
    Schema.String.pipe(Schema.filter((ip) => isIP(ip) !== 0 || `${JSON.stringify(ip)} is not an IP address`))
  ),
  instanceName: Schema.optional(
    Schema.NonEmptyTrimmedString.pipe(Schema.filter((n) => !n.includes("@") || "it may not contain @"))
  ),
  unitName: Schema.optional(Schema.String),
  namespace: Schema.optional(Schema.String),
  pollNameServerIntervalMillis: Schema.optional(millis("pollNameServerIntervalMillis")),
  heartbeatBrokerIntervalMillis: Schema.optional(millis("heartbeatBrokerIntervalMillis")),
  persistConsumerOffsetIntervalMillis: Schema.optional(millis("persistConsumerOffsetIntervalMillis")),
  pullTimeDelayMillisWhenException: Schema.optional(millis("pullTimeDelayMillisWhenException")),
  apiTimeoutMillis: Schema.optional(millis("apiTimeoutMillis")),
  connectTimeoutMillis: Schema.optional(millis("connectTimeoutMillis")),
  shutdownTimeoutMillis: Schema.optional(millis("shutdownTimeoutMillis")),
  vipChannelEnabled: Schema.optional(Schema.Boolean),
  accessKey: Schema.optional(Schema.NonEmptyTrimmedString),
  secretKey: Schema.optional(secret(Schema.NonEmptyString)),
  securityToken: Schema.optional(secret(Schema.String))
}).annotations({ identifier: "ClientConfigInput" })

/**
 * @since 0.1.0
 * @category schemas
 */
export type ClientConfigInput = Schema.Schema.Type<typeof ClientConfigInput>

/** The first non-internal IPv4 address of this machine, else IPv6, else loopback (Java: `getLocalAddress`). */
const localAddress = (): string => {
  const addresses = Object.values(networkInterfaces()).flat().filter((a) => a !== undefined && !a.internal)
  return addresses.find((a) => a!.family === "IPv4")?.address ?? addresses[0]?.address ?? "127.0.0.1"
}

const toConfigError = (error: ParseResult.ParseError): ClientConfigError => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  return new ClientConfigError({
    setting: issue?.path.join(".") || "(settings)",
    reason: issue?.message ?? error.message
  })
}

/**
 * Validates settings and fills in Java's defaults; the default instance name is `pid#nanoseconds` read from
 * `Clock`. A bad value is a `ClientConfigError` naming the setting.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeClientConfig = (
  input: unknown,
  extra?: { readonly tls?: TlsOptions | undefined }
): Effect.Effect<ClientConfig, ClientConfigError> =>
  Effect.gen(function*() {
    const given = yield* Either.mapLeft(Schema.decodeUnknownEither(ClientConfigInput)(input), toConfigError)
    if ((given.accessKey === undefined) !== (given.secretKey === undefined)) {
      return yield* new ClientConfigError({
        setting: given.accessKey === undefined ? "accessKey" : "secretKey",
        reason: "access key and secret key go together"
      })
    }
    const clock = yield* Effect.clock
    const list = given.nameServerAddress
    return {
      nameServerAddresses: list === undefined
        ? []
        : parseNameServerList(list.includes("/") ? list.slice(list.lastIndexOf("/") + 1) : list),
      nameServerDomain: given.nameServerDomain ?? "jmenv.tbsite.net",
      nameServerSubgroup: given.nameServerSubgroup ?? "nsaddr",
      clientIP: given.clientIP ?? localAddress(),
      instanceName: given.instanceName === undefined || given.instanceName === "DEFAULT"
        ? `${process.pid}#${clock.unsafeCurrentTimeNanos()}`
        : given.instanceName,
      unitName: given.unitName === "" ? undefined : given.unitName,
      namespace: given.namespace === "" ? undefined : given.namespace,
      pollNameServerInterval: Duration.millis(given.pollNameServerIntervalMillis ?? 30_000),
      heartbeatBrokerInterval: Duration.millis(given.heartbeatBrokerIntervalMillis ?? 30_000),
      persistConsumerOffsetInterval: Duration.millis(given.persistConsumerOffsetIntervalMillis ?? 5_000),
      pullTimeDelayWhenException: Duration.millis(given.pullTimeDelayMillisWhenException ?? 1_000),
      apiTimeout: Duration.millis(given.apiTimeoutMillis ?? 3_000),
      connectTimeout: Duration.millis(given.connectTimeoutMillis ?? 3_000),
      shutdownTimeout: Duration.millis(given.shutdownTimeoutMillis ?? 10_000),
      vipChannelEnabled: given.vipChannelEnabled ?? false,
      credentials: given.accessKey === undefined || given.secretKey === undefined
        ? undefined
        : { accessKey: given.accessKey, secretKey: given.secretKey, securityToken: given.securityToken },
      tls: extra?.tls
    }
  })

const optionalText = (name: string) => Config.option(Config.string(name))
const optionalNumber = (name: string) => Config.option(Config.number(name))

/**
 * The settings from the environment: `ROCKETMQ_NAMESRV_ADDR` (also Java's `NAMESRV_ADDR`), `ROCKETMQ_NAMESRV_DOMAIN`,
 * `ROCKETMQ_NAMESRV_DOMAIN_SUBGROUP`, `ROCKETMQ_CLIENT_IP`, `ROCKETMQ_INSTANCE_NAME`, `ROCKETMQ_UNIT_NAME`,
 * `ROCKETMQ_NAMESPACE`, `ROCKETMQ_POLL_NAMESRV_INTERVAL_MS`, `ROCKETMQ_HEARTBEAT_INTERVAL_MS`,
 * `ROCKETMQ_PERSIST_OFFSET_INTERVAL_MS`, `ROCKETMQ_API_TIMEOUT_MS`, `ROCKETMQ_CONNECT_TIMEOUT_MS`,
 * `ROCKETMQ_SHUTDOWN_TIMEOUT_MS`, `ROCKETMQ_ACCESS_KEY`, `ROCKETMQ_SECRET_KEY`, `ROCKETMQ_SECURITY_TOKEN` (both
 * redacted).
 *
 * @since 0.1.0
 * @category constructors
 */
export const clientConfigFromEnv: Config.Config<ClientConfigInput> = Config.all({
  nameServerAddress: Config.map(
    Config.all([optionalText("ROCKETMQ_NAMESRV_ADDR"), optionalText("NAMESRV_ADDR")]),
    ([ours, javas]) => Option.orElse(ours, () => javas)
  ),
  nameServerDomain: optionalText("ROCKETMQ_NAMESRV_DOMAIN"),
  nameServerSubgroup: optionalText("ROCKETMQ_NAMESRV_DOMAIN_SUBGROUP"),
  clientIP: optionalText("ROCKETMQ_CLIENT_IP"),
  instanceName: optionalText("ROCKETMQ_INSTANCE_NAME"),
  unitName: optionalText("ROCKETMQ_UNIT_NAME"),
  namespace: optionalText("ROCKETMQ_NAMESPACE"),
  pollNameServerIntervalMillis: optionalNumber("ROCKETMQ_POLL_NAMESRV_INTERVAL_MS"),
  heartbeatBrokerIntervalMillis: optionalNumber("ROCKETMQ_HEARTBEAT_INTERVAL_MS"),
  persistConsumerOffsetIntervalMillis: optionalNumber("ROCKETMQ_PERSIST_OFFSET_INTERVAL_MS"),
  apiTimeoutMillis: optionalNumber("ROCKETMQ_API_TIMEOUT_MS"),
  connectTimeoutMillis: optionalNumber("ROCKETMQ_CONNECT_TIMEOUT_MS"),
  shutdownTimeoutMillis: optionalNumber("ROCKETMQ_SHUTDOWN_TIMEOUT_MS"),
  accessKey: optionalText("ROCKETMQ_ACCESS_KEY"),
  secretKey: Config.option(Config.redacted("ROCKETMQ_SECRET_KEY")),
  securityToken: Config.option(Config.redacted("ROCKETMQ_SECURITY_TOKEN"))
}).pipe(
  Config.map((settings) =>
    Object.fromEntries(
      Object.entries(settings as Record<string, Option.Option<unknown>>).flatMap(([k, v]) =>
        Option.isSome(v) ? [[k, v.value]] : []
      )
    ) as ClientConfigInput
  )
)
