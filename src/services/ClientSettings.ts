import * as Data from "effect/Data"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { isIP } from "node:net"
import { parseHostAddress } from "../protocol/HostAddress.js"
import { parseNameServerList } from "./NameServerAddresses.js"

/**
 * A setting of the client that is not valid: which one (the setting's name, or the environment variable it was read
 * from), and what is wrong with it.
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
 * TLS to brokers and name servers (Java: the `tls.client.*` properties of `TlsSystemConfig`). Giving `tls` turns TLS
 * on (unless `enabled` is false). Each certificate or key is given either as its content or as a file to read at
 * start; a file that cannot be read, or a key that does not load, fails the client's start with a `ClientConfigError`
 * naming the setting.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsSettings {
  /** Java: `tls.enable` (false). True when `tls` is given at all; false turns TLS off. */
  readonly enabled?: boolean | undefined
  /** Certificates (PEM) the server's is checked against, instead of Node's built-in CAs. */
  readonly ca?: string | Uint8Array | undefined
  /** Java: `tls.client.trustCertPath`: a PEM file of the certificates the server's is checked against. */
  readonly caFile?: string | undefined
  /** The client's certificate chain (PEM), for brokers that ask for one. */
  readonly cert?: string | Uint8Array | undefined
  /** Java: `tls.client.certPath`: the client's certificate chain, a PEM file. */
  readonly certFile?: string | undefined
  /** The client certificate's private key (PEM); best given `Redacted`. */
  readonly key?: string | Uint8Array | Redacted.Redacted<string | Uint8Array> | undefined
  /** Java: `tls.client.keyPath`: the client certificate's private key, a PEM file. */
  readonly keyFile?: string | undefined
  /** Java: `tls.client.keyPassword`: the passphrase of an encrypted key. */
  readonly keyPassphrase?: string | Redacted.Redacted<string> | undefined
  /**
   * Java: `tls.client.authServer`, false: check the server's certificate (against `ca`, else Node's CAs) and its
   * name. Java's default, kept here, accepts any server certificate.
   */
  readonly verifyServer?: boolean | undefined
  /** The name sent (SNI) and checked when verifying; by default the host of the address, unless it is an IP. */
  readonly serverName?: string | undefined
}

/**
 * The client's settings as given in code (`ClientLive.layer`), by `Config` (`ClientLive.layerConfig`) or from the
 * environment (`ClientLive.layerFromEnv`, see `clientEnvironmentVariables`). Every one may be left out; Java's
 * defaults are in `clientDefaults`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientSettings {
  /**
   * Java: `namesrvAddr`: name servers as `host:port`, separated by `;` (or `,`); also Java's
   * `http://.../host:port;host:port`. When left out, `nameServerDomain` names the address server to ask.
   */
  readonly nameServerAddress?: string | undefined
  /**
   * Java: `rocketmq.namesrv.domain`: the address server (`host[:port]`, port 8080 by default) that serves the
   * name-server list. Asked only when set (Java falls back to `jmenv.tbsite.net`; this client does not).
   */
  readonly nameServerDomain?: string | undefined
  /** Java: `rocketmq.namesrv.domain.subgroup` (`nsaddr`): the address server's path. */
  readonly nameServerSubgroup?: string | undefined
  /** Java: `clientIP`: the address in the client id; by default this machine's first non-internal address. */
  readonly clientIP?: string | undefined
  /** Java: `instanceName` (`rocketmq.client.name`); `DEFAULT` or left out becomes `pid#nanoseconds`. */
  readonly instanceName?: string | undefined
  /** Java: `unitName`. */
  readonly unitName?: string | undefined
  /** Java: `namespace`: prefixed to groups and topics on the wire. */
  readonly namespace?: string | undefined
  /** Java: `pollNameServerInterval`, 30 s: how often routes are refreshed. */
  readonly pollNameServerIntervalMillis?: number | undefined
  /** Java: `heartbeatBrokerInterval`, 30 s. */
  readonly heartbeatBrokerIntervalMillis?: number | undefined
  /** Java: `persistConsumerOffsetInterval`, 5 s. */
  readonly persistConsumerOffsetIntervalMillis?: number | undefined
  /** Java: `pullTimeDelayMillsWhenException`, 1 s: the wait after a failed pull. */
  readonly pullTimeDelayMillisWhenException?: number | undefined
  /** Java: `mqClientApiTimeout`, 3 s: each request the client makes of its own, the wait for a connection included. */
  readonly apiTimeoutMillis?: number | undefined
  /** Java: `connectTimeoutMillis`, 3 s: a connection attempt not done by then is given up. */
  readonly connectTimeoutMillis?: number | undefined
  /** 10 s, not in Java: the most each shutdown step of the client instance may take. */
  readonly shutdownTimeoutMillis?: number | undefined
  /** Java: `vipChannelEnabled` (`com.rocketmq.sendMessageWithVIPChannel`), false; accepted, not used yet. */
  readonly vipChannelEnabled?: boolean | undefined
  /**
   * Not in Java: the brokers' RocketMQ line. `auto` (the default) takes each broker's version from its answers to
   * heartbeats (Java: `MQClientInstance.brokerVersionTable`); `4` or `5` forces it for every broker. On 5.x brokers
   * the lite pull consumer pulls with LITE_PULL_MESSAGE (361), on 4.x with PULL_MESSAGE.
   */
  readonly brokerVersion?: "auto" | "4" | "5" | undefined
  /** ACL 1.0 access key (Java: `SessionCredentials`); goes with `secretKey`. */
  readonly accessKey?: string | undefined
  /** ACL 1.0 secret key; kept `Redacted`. */
  readonly secretKey?: string | Redacted.Redacted<string> | undefined
  /** ACL 1.0 security token; kept `Redacted`. */
  readonly securityToken?: string | Redacted.Redacted<string> | undefined
  /** TLS to brokers and name servers; off when left out. */
  readonly tls?: TlsSettings | undefined
}

/**
 * Java's defaults of the client's settings, written once: `makeClientConfig` fills them in and the table of
 * environment variables shows them.
 *
 * @since 0.1.0
 * @category defaults
 */
export const clientDefaults = {
  nameServerSubgroup: "nsaddr",
  instanceName: "DEFAULT",
  pollNameServerIntervalMillis: 30_000,
  heartbeatBrokerIntervalMillis: 30_000,
  persistConsumerOffsetIntervalMillis: 5_000,
  pullTimeDelayMillisWhenException: 1_000,
  apiTimeoutMillis: 3_000,
  connectTimeoutMillis: 3_000,
  shutdownTimeoutMillis: 10_000,
  vipChannelEnabled: false,
  brokerVersion: "auto",
  tlsVerifyServer: false
} as const

const millis = (setting: string) =>
  Schema.Number.pipe(
    Schema.int({ message: () => `${setting} must be a whole number of milliseconds` }),
    Schema.positive({ message: () => `${setting} must be more than 0 ms` })
  )

/** A secret given as text or already `Redacted` (from `Config.redacted`); made `Redacted` when resolved. */
const secret = (value: Schema.Schema<string>) => Schema.Union(value, Schema.RedactedFromSelf(value))

const Pem = Schema.Union(Schema.String, Schema.Uint8ArrayFromSelf)

/** The part of a name-server setting after the last `/` (Java's `http://.../list` form), else all of it. */
export const nameServerListOf = (text: string): ReadonlyArray<string> =>
  parseNameServerList(text.includes("/") ? text.slice(text.lastIndexOf("/") + 1) : text)

const NameServerList = Schema.String.pipe(
  Schema.filter((text) => {
    const list = nameServerListOf(text)
    if (list.length === 0) return "no name server address in it"
    const bad = list.find((a) => parseHostAddress(a) === undefined)
    return bad === undefined ? true : `${JSON.stringify(bad)} is not host:port`
  })
)

const tlsFields = {
  enabled: Schema.optional(Schema.Boolean),
  ca: Schema.optional(Pem),
  caFile: Schema.optional(Schema.NonEmptyString),
  cert: Schema.optional(Pem),
  certFile: Schema.optional(Schema.NonEmptyString),
  key: Schema.optional(Schema.Union(Pem, Schema.RedactedFromSelf(Pem))),
  keyFile: Schema.optional(Schema.NonEmptyString),
  keyPassphrase: Schema.optional(secret(Schema.String)),
  verifyServer: Schema.optional(Schema.Boolean),
  serverName: Schema.optional(Schema.NonEmptyTrimmedString)
}

const TlsSettingsSchema: Schema.Schema<TlsSettings> = Schema.Struct(tlsFields).annotations({
  identifier: "TlsSettings"
})

const clientFields = {
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
  brokerVersion: Schema.optional(Schema.Literal("auto", "4", "5")),
  accessKey: Schema.optional(Schema.NonEmptyTrimmedString),
  secretKey: Schema.optional(secret(Schema.NonEmptyString)),
  securityToken: Schema.optional(secret(Schema.String)),
  tls: Schema.optional(TlsSettingsSchema)
}

/**
 * The settings' schema: checks each value as given (its type and range); nothing is transformed.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ClientSettings: Schema.Schema<ClientSettings> = Schema.Struct(clientFields).annotations({
  identifier: "ClientSettings"
})

/**
 * The name of every setting, `tls.*` included.
 *
 * @since 0.1.0
 * @category models
 */
export const clientSettingNames: ReadonlyArray<string> = [
  ...Object.keys(clientFields),
  ...Object.keys(tlsFields).map((k) => `tls.${k}`)
]

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
const distance = (a: string, b: string): number => {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[y.length]!
}

/**
 * The known name closest to `name`.
 *
 * @since 0.1.0
 * @category models
 */
export const closestName = (name: string, known: ReadonlyArray<string>): string =>
  known.reduce((best, candidate) => distance(name, candidate) < distance(name, best) ? candidate : best, known[0]!)

const unknownKey = (
  given: unknown,
  known: ReadonlyArray<string>,
  prefix: string
): ClientConfigError | undefined => {
  if (typeof given !== "object" || given === null) return undefined
  const name = Object.keys(given).find((k) => !known.includes(k))
  return name === undefined ? undefined : new ClientConfigError({
    setting: `${prefix}${name}`,
    reason: `unknown setting ${prefix}${name}; did you mean ${prefix}${closestName(name, known)}?`
  })
}

/**
 * Checks settings given from anywhere (plain JavaScript included): an unknown key is a `ClientConfigError` naming it
 * and the closest known setting; a bad value one naming the setting. Nothing is filled in.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decodeClientSettings = (input: unknown): Either.Either<ClientSettings, ClientConfigError> => {
  const unknown = unknownKey(input, Object.keys(clientFields), "") ??
    unknownKey((input as { readonly tls?: unknown } | null | undefined)?.tls, Object.keys(tlsFields), "tls.")
  if (unknown !== undefined) return Either.left(unknown)
  return Either.mapLeft(Schema.decodeUnknownEither(ClientSettings)(input), (error) => {
    const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
    return new ClientConfigError({
      setting: issue?.path.join(".") || "(settings)",
      reason: issue?.message ?? error.message
    })
  })
}
