import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { ClientConfigError, clientDefaults, type ClientSettings } from "./ClientSettings.js"

/**
 * One environment variable the client reads (`ClientLive.layerFromEnv`): the setting it gives, its Java name, its
 * default and its meaning.
 *
 * @since 0.1.0
 * @category models
 */
export interface ClientEnvironmentVariable {
  readonly name: string
  /** Another variable read when this one is not set. */
  readonly alias?: string | undefined
  /** The setting of `ClientSettings` it gives (`tls.caFile` for a TLS one). */
  readonly setting: string
  /** The Java client's name for it (a field of `ClientConfig`, or a system property), in markdown. */
  readonly java: string
  readonly default: string
  readonly meaning: string
  /** How its text is read: as it is, as whole milliseconds, as a boolean, or as a secret (`Redacted`). */
  readonly kind: "text" | "millis" | "boolean" | "secret"
}

const d = clientDefaults

const v = (
  name: string,
  setting: string,
  kind: ClientEnvironmentVariable["kind"],
  java: string,
  fallback: string | number | boolean,
  meaning: string
): ClientEnvironmentVariable => ({ name, setting, kind, java, default: String(fallback), meaning })

/**
 * Every environment variable the client reads, in the order of the README's table. Defaults come from
 * `clientDefaults`.
 *
 * @since 0.1.0
 * @category models
 */
export const clientEnvironmentVariables: ReadonlyArray<ClientEnvironmentVariable> = [
  {
    ...v(
      "ROCKETMQ_NAMESRV_ADDR",
      "nameServerAddress",
      "text",
      "`namesrvAddr` (`rocketmq.namesrv.addr`, env `NAMESRV_ADDR`)",
      "none",
      "Name servers, host:port separated by ; (or ,); NAMESRV_ADDR is read when it is not set"
    ),
    alias: "NAMESRV_ADDR"
  },
  v(
    "ROCKETMQ_NAMESRV_DOMAIN",
    "nameServerDomain",
    "text",
    "`rocketmq.namesrv.domain`",
    "none (Java: `jmenv.tbsite.net`)",
    "Address server host[:port] serving the name-server list; asked only when set and no name server is given"
  ),
  v(
    "ROCKETMQ_NAMESRV_DOMAIN_SUBGROUP",
    "nameServerSubgroup",
    "text",
    "`rocketmq.namesrv.domain.subgroup`",
    d.nameServerSubgroup,
    "Address server path: http://{domain}:8080/rocketmq/{subgroup}"
  ),
  v("ROCKETMQ_CLIENT_IP", "clientIP", "text", "`clientIP`", "first non-internal address", "IP in the client id"),
  v(
    "ROCKETMQ_INSTANCE_NAME",
    "instanceName",
    "text",
    "`instanceName` (`rocketmq.client.name`)",
    `\`${d.instanceName}\` (becomes pid#nanoseconds)`,
    "Instance name in the client id"
  ),
  v("ROCKETMQ_UNIT_NAME", "unitName", "text", "`unitName`", "none", "Unit name, appended to the client id"),
  v("ROCKETMQ_NAMESPACE", "namespace", "text", "`namespace`", "none", "Namespace prefixed to groups and topics"),
  v(
    "ROCKETMQ_POLL_NAMESRV_INTERVAL_MS",
    "pollNameServerIntervalMillis",
    "millis",
    "`pollNameServerInterval`",
    d.pollNameServerIntervalMillis,
    "Interval of the topic-route refresh"
  ),
  v(
    "ROCKETMQ_HEARTBEAT_INTERVAL_MS",
    "heartbeatBrokerIntervalMillis",
    "millis",
    "`heartbeatBrokerInterval`",
    d.heartbeatBrokerIntervalMillis,
    "Interval of heartbeats to brokers"
  ),
  v(
    "ROCKETMQ_PERSIST_OFFSET_INTERVAL_MS",
    "persistConsumerOffsetIntervalMillis",
    "millis",
    "`persistConsumerOffsetInterval`",
    d.persistConsumerOffsetIntervalMillis,
    "Interval of consumer offset persistence"
  ),
  v(
    "ROCKETMQ_PULL_DELAY_WHEN_EXCEPTION_MS",
    "pullTimeDelayMillisWhenException",
    "millis",
    "`pullTimeDelayMillsWhenException`",
    d.pullTimeDelayMillisWhenException,
    "Wait after a failed pull"
  ),
  v(
    "ROCKETMQ_API_TIMEOUT_MS",
    "apiTimeoutMillis",
    "millis",
    "`mqClientApiTimeout`",
    d.apiTimeoutMillis,
    "Timeout of each request the client makes of its own, connecting included"
  ),
  v(
    "ROCKETMQ_CONNECT_TIMEOUT_MS",
    "connectTimeoutMillis",
    "millis",
    "`connectTimeoutMillis` (`com.rocketmq.remoting.client.connect.timeout`)",
    d.connectTimeoutMillis,
    "A connection attempt not done by then is given up"
  ),
  v(
    "ROCKETMQ_SHUTDOWN_TIMEOUT_MS",
    "shutdownTimeoutMillis",
    "millis",
    "(none)",
    d.shutdownTimeoutMillis,
    "Most each shutdown step of the client instance may take"
  ),
  v(
    "ROCKETMQ_VIP_CHANNEL_ENABLED",
    "vipChannelEnabled",
    "boolean",
    "`vipChannelEnabled` (`com.rocketmq.sendMessageWithVIPChannel`)",
    d.vipChannelEnabled,
    "Java's VIP channel (the broker's port - 2); accepted, not used by this client yet"
  ),
  v(
    "ROCKETMQ_BROKER_VERSION",
    "brokerVersion",
    "text",
    "(none)",
    d.brokerVersion,
    "The brokers' RocketMQ line: `auto` takes each broker's from its heartbeat answers, `4` or `5` forces it (5: lite pulls use LITE_PULL_MESSAGE)"
  ),
  v("ROCKETMQ_ACCESS_KEY", "accessKey", "text", "`accessKey` (`SessionCredentials`)", "none", "ACL 1.0 access key"),
  v(
    "ROCKETMQ_SECRET_KEY",
    "secretKey",
    "secret",
    "`secretKey` (`SessionCredentials`)",
    "none",
    "ACL 1.0 secret key (kept `Redacted`)"
  ),
  v(
    "ROCKETMQ_SECURITY_TOKEN",
    "securityToken",
    "secret",
    "`securityToken` (`SessionCredentials`)",
    "none",
    "ACL 1.0 security token (kept `Redacted`)"
  ),
  v("ROCKETMQ_TLS_ENABLE", "tls.enabled", "boolean", "`tls.enable`", false, "TLS to brokers and name servers"),
  v(
    "ROCKETMQ_TLS_CA_FILE",
    "tls.caFile",
    "text",
    "`tls.client.trustCertPath`",
    "Node's CAs",
    "PEM file of the CAs the server's certificate is checked against"
  ),
  v(
    "ROCKETMQ_TLS_CERT_FILE",
    "tls.certFile",
    "text",
    "`tls.client.certPath`",
    "none",
    "PEM file of the client's certificate chain"
  ),
  v("ROCKETMQ_TLS_KEY_FILE", "tls.keyFile", "text", "`tls.client.keyPath`", "none", "PEM file of the client's key"),
  v(
    "ROCKETMQ_TLS_KEY_PASSWORD",
    "tls.keyPassphrase",
    "secret",
    "`tls.client.keyPassword`",
    "none",
    "Passphrase of an encrypted key (kept `Redacted`)"
  ),
  v(
    "ROCKETMQ_TLS_VERIFY_SERVER",
    "tls.verifyServer",
    "boolean",
    "`tls.client.authServer`",
    d.tlsVerifyServer,
    "Check the server's certificate and name (off: any certificate is accepted, as in Java)"
  ),
  v(
    "ROCKETMQ_TLS_SERVER_NAME",
    "tls.serverName",
    "text",
    "(none)",
    "the address's host",
    "Server name sent (SNI) and checked"
  )
]

/**
 * The README's table of the environment variables, in markdown.
 *
 * @since 0.1.0
 * @category models
 */
export const clientEnvironmentTable = (): string =>
  [
    "| Variable | Setting | Java | Default | Meaning |",
    "| --- | --- | --- | --- | --- |",
    ...clientEnvironmentVariables.map((e) =>
      `| \`${e.name}\` | \`${e.setting}\` | ${e.java} | ${e.default} | ${e.meaning} |`
    )
  ].join("\n")

const BOOLEANS: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  "1": true,
  false: false,
  no: false,
  off: false,
  "0": false
}

const parse = (
  variable: ClientEnvironmentVariable,
  text: string | Redacted.Redacted<string>
): Effect.Effect<unknown, ClientConfigError> => {
  if (Redacted.isRedacted(text)) return Effect.succeed(text)
  const bad = (reason: string) => Effect.fail(new ClientConfigError({ setting: variable.name, reason }))
  switch (variable.kind) {
    case "millis": {
      const n = Number(text)
      return text.trim() === "" || !Number.isFinite(n)
        ? bad(`${JSON.stringify(text)} is not a number of milliseconds (${variable.setting})`)
        : Effect.succeed(n)
    }
    case "boolean": {
      const b = BOOLEANS[text.trim().toLowerCase()]
      return b === undefined
        ? bad(`${JSON.stringify(text)} is not true or false (${variable.setting})`)
        : Effect.succeed(b)
    }
    default:
      return Effect.succeed(text)
  }
}

const configErrorToClientConfigError = (variable: string) => (error: ConfigError.ConfigError) =>
  new ClientConfigError({ setting: variable, reason: String(error) })

const read = (variable: ClientEnvironmentVariable) => {
  const one = (name: string): Config.Config<Option.Option<string | Redacted.Redacted<string>>> =>
    variable.kind === "secret" ? Config.option(Config.redacted(name)) : Config.option(Config.string(name))
  const config: Config.Config<Option.Option<string | Redacted.Redacted<string>>> = variable.alias === undefined
    ? one(variable.name)
    : Config.map(
      Config.all([one(variable.name), one(variable.alias)]),
      ([ours, alias]) => Option.orElse(ours, () => alias)
    )
  return Effect.mapError(config, configErrorToClientConfigError(variable.name))
}

/**
 * The settings in the environment (the current `ConfigProvider`), and for each the variable it came from. A value
 * that is not of its kind (a number of milliseconds, a boolean) is a `ClientConfigError` naming the variable; a TLS
 * variable set while `ROCKETMQ_TLS_ENABLE` is not is one too (as in Java, TLS is on only when enabled).
 *
 * @since 0.1.0
 * @category constructors
 */
export const readClientEnvironment: Effect.Effect<
  { readonly settings: ClientSettings; readonly variables: ReadonlyMap<string, string> },
  ClientConfigError
> = Effect.gen(function*() {
  const settings: Record<string, unknown> = {}
  const tls: Record<string, unknown> = {}
  const variables = new Map<string, string>()
  for (const variable of clientEnvironmentVariables) {
    const text = yield* read(variable)
    if (Option.isNone(text)) continue
    const value = yield* parse(variable, text.value)
    if (variable.setting.startsWith("tls.")) tls[variable.setting.slice(4)] = value
    else settings[variable.setting] = value
    variables.set(variable.setting, variable.name)
  }
  const firstTls = clientEnvironmentVariables.find((e) =>
    e.setting.startsWith("tls.") && e.setting !== "tls.enabled" && variables.has(e.setting)
  )
  if (tls.enabled === undefined && firstTls !== undefined) {
    return yield* new ClientConfigError({
      setting: firstTls.name,
      reason: "set while TLS is off: set ROCKETMQ_TLS_ENABLE=true to use TLS"
    })
  }
  if (tls.enabled !== undefined) settings.tls = tls
  return { settings: settings as ClientSettings, variables }
})
