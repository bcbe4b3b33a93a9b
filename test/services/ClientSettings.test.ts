import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Redacted } from "effect"
import { createPrivateKey } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  ClientConfigError,
  clientDefaults,
  clientEnvironmentTable,
  clientEnvironmentVariables,
  makeClientConfig,
  makeClientConfigFromEnv,
  nameServerSource
} from "../../src/services/ClientConfig.js"
import { fixtureDir } from "../fixtures.js"

const tlsDir = join(fixtureDir, "..", "tls")
const caFile = join(tlsDir, "ca.pem")
const certFile = join(tlsDir, "server.pem")
const keyFile = join(tlsDir, "server.key")
const readPem = (file: string): string => readFileSync(file, "utf8")

const withEnv = (entries: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

const fromEnv = (entries: Record<string, string>) => makeClientConfigFromEnv().pipe(withEnv(entries))

/** A directory of its own for the test, removed when the test's scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "client-settings-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe("client settings given from plain JavaScript", () => {
  it.effect("an unknown key is a ClientConfigError naming it and the closest setting", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(makeClientConfig({ nameServerAdress: "127.0.0.1:9876" }))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect(error.setting).toBe("nameServerAdress")
      expect(error.message).toContain("unknown setting nameServerAdress; did you mean nameServerAddress?")
      const tls = yield* Effect.flip(makeClientConfig({ nameServerAddress: "127.0.0.1:9876", tls: { caFlie: caFile } }))
      expect(tls.setting).toBe("tls.caFlie")
      expect(tls.reason).toContain("did you mean tls.caFile?")
      const timeout = yield* Effect.flip(makeClientConfig({ apiTimeoutMs: 5 }))
      expect(timeout.reason).toContain("did you mean apiTimeoutMillis?")
    }))

  it.effect("a value of the wrong type is a ClientConfigError naming the setting", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(makeClientConfig({ vipChannelEnabled: "yes" }))
      expect(error.setting).toBe("vipChannelEnabled")
      const tls = yield* Effect.flip(makeClientConfig({ tls: { verifyServer: 1 } }))
      expect(tls.setting).toBe("tls.verifyServer")
    }))
})

describe("where the name servers come from", () => {
  it.effect("a fixed list, else the address server only when one is set, else an error saying how to set one", () =>
    Effect.gen(function*() {
      const fixed = yield* makeClientConfig({ nameServerAddress: "10.0.0.1:9876,10.0.0.2:9876" })
      expect(nameServerSource(fixed)).toEqual(
        Either.right({ _tag: "Fixed", addresses: ["10.0.0.1:9876", "10.0.0.2:9876"] })
      )
      const lookup = yield* makeClientConfig({ nameServerDomain: "lookup.example:9000" })
      expect(nameServerSource(lookup)).toEqual(Either.right({ _tag: "AddressServer", domain: "lookup.example:9000" }))
      const neither = nameServerSource(yield* makeClientConfig({}))
      expect(Either.isLeft(neither)).toBe(true)
      const error = Either.getLeft(neither).pipe((o) => o._tag === "Some" ? o.value : undefined)!
      expect(error).toBeInstanceOf(ClientConfigError)
      expect(error.setting).toBe("nameServerAddress")
      expect(error.reason).toContain("ROCKETMQ_NAMESRV_ADDR")
      expect(error.reason).toContain("nameServerDomain (ROCKETMQ_NAMESRV_DOMAIN)")
    }))
})

describe("client settings from the environment", () => {
  it.effect("every variable is read", () =>
    Effect.gen(function*() {
      const config = yield* fromEnv({
        ROCKETMQ_NAMESRV_ADDR: "10.0.0.1:9876;10.0.0.2:9876",
        ROCKETMQ_NAMESRV_DOMAIN: "lookup.example",
        ROCKETMQ_NAMESRV_DOMAIN_SUBGROUP: "ns-prod",
        ROCKETMQ_CLIENT_IP: "10.1.2.3",
        ROCKETMQ_INSTANCE_NAME: "orders",
        ROCKETMQ_UNIT_NAME: "unit1",
        ROCKETMQ_NAMESPACE: "prod",
        ROCKETMQ_POLL_NAMESRV_INTERVAL_MS: "1001",
        ROCKETMQ_HEARTBEAT_INTERVAL_MS: "1002",
        ROCKETMQ_PERSIST_OFFSET_INTERVAL_MS: "1003",
        ROCKETMQ_PULL_DELAY_WHEN_EXCEPTION_MS: "1004",
        ROCKETMQ_API_TIMEOUT_MS: "1005",
        ROCKETMQ_CONNECT_TIMEOUT_MS: "1006",
        ROCKETMQ_SHUTDOWN_TIMEOUT_MS: "1007",
        ROCKETMQ_VIP_CHANNEL_ENABLED: "true",
        ROCKETMQ_BROKER_VERSION: "5",
        ROCKETMQ_ACCESS_KEY: "ak-1",
        ROCKETMQ_SECRET_KEY: "very-secret",
        ROCKETMQ_SECURITY_TOKEN: "token-secret",
        ROCKETMQ_TLS_ENABLE: "true",
        ROCKETMQ_TLS_CA_FILE: caFile,
        ROCKETMQ_TLS_CERT_FILE: certFile,
        ROCKETMQ_TLS_KEY_FILE: keyFile,
        ROCKETMQ_TLS_VERIFY_SERVER: "on",
        ROCKETMQ_TLS_SERVER_NAME: "localhost"
      })
      expect(config.nameServerAddresses).toEqual(["10.0.0.1:9876", "10.0.0.2:9876"])
      expect([config.nameServerDomain, config.nameServerSubgroup]).toEqual(["lookup.example", "ns-prod"])
      expect([config.clientIP, config.instanceName, config.unitName, config.namespace]).toEqual([
        "10.1.2.3",
        "orders",
        "unit1",
        "prod"
      ])
      expect([
        config.pollNameServerInterval,
        config.heartbeatBrokerInterval,
        config.persistConsumerOffsetInterval,
        config.pullTimeDelayWhenException,
        config.apiTimeout,
        config.connectTimeout,
        config.shutdownTimeout
      ].map(Duration.toMillis)).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007])
      expect(config.vipChannelEnabled).toBe(true)
      expect(config.brokerVersion).toBe("5")
      expect(config.credentials?.accessKey).toBe("ak-1")
      expect(Redacted.value(config.credentials!.secretKey)).toBe("very-secret")
      expect(Redacted.value(config.credentials!.securityToken!)).toBe("token-secret")
      expect(config.tls?.ca?.toString()).toContain("BEGIN CERTIFICATE")
      expect(config.tls?.cert?.toString()).toContain("BEGIN CERTIFICATE")
      expect(config.tls?.rejectUnauthorized).toBe(true)
      expect(config.tls?.servername).toBe("localhost")
      // Secrets never show: not in JSON, not in the config's string form.
      const shown = JSON.stringify(config) + String(config.credentials!.secretKey) + String(config.tls!.key)
      for (const secret of ["very-secret", "token-secret", "PRIVATE KEY"]) expect(shown).not.toContain(secret)
      // Every variable of the table was given above.
      expect(clientEnvironmentVariables.length).toBe(26)
    }))

  it.effect("defaults are Java's, from clientDefaults; TLS is off; NAMESRV_ADDR is read when ours is not set", () =>
    Effect.gen(function*() {
      const config = yield* fromEnv({ NAMESRV_ADDR: "127.0.0.1:9876" })
      expect(config.nameServerAddresses).toEqual(["127.0.0.1:9876"])
      expect(Duration.toMillis(config.apiTimeout)).toBe(clientDefaults.apiTimeoutMillis)
      expect(Duration.toMillis(config.shutdownTimeout)).toBe(clientDefaults.shutdownTimeoutMillis)
      expect(config.brokerVersion).toBe("auto")
      expect(config.tls).toBeUndefined()
      expect(config.credentials).toBeUndefined()
    }))

  const bad: ReadonlyArray<readonly [Record<string, string>, string, string]> = [
    [{ ROCKETMQ_API_TIMEOUT_MS: "abc" }, "ROCKETMQ_API_TIMEOUT_MS", "not a number of milliseconds"],
    [{ ROCKETMQ_API_TIMEOUT_MS: "0" }, "ROCKETMQ_API_TIMEOUT_MS", "more than 0 ms"],
    [{ ROCKETMQ_HEARTBEAT_INTERVAL_MS: "1.5" }, "ROCKETMQ_HEARTBEAT_INTERVAL_MS", "whole number"],
    [{ ROCKETMQ_VIP_CHANNEL_ENABLED: "maybe" }, "ROCKETMQ_VIP_CHANNEL_ENABLED", "not true or false"],
    [{ ROCKETMQ_BROKER_VERSION: "5.5" }, "ROCKETMQ_BROKER_VERSION", "\"5.5\""],
    [{ ROCKETMQ_NAMESRV_ADDR: "localhost" }, "ROCKETMQ_NAMESRV_ADDR", "is not host:port"],
    [{ ROCKETMQ_CLIENT_IP: "my-host" }, "ROCKETMQ_CLIENT_IP", "is not an IP address"],
    [{ ROCKETMQ_INSTANCE_NAME: "a@b" }, "ROCKETMQ_INSTANCE_NAME", "may not contain @"],
    [{ ROCKETMQ_ACCESS_KEY: "ak" }, "ROCKETMQ_SECRET_KEY", "go together"],
    [{ ROCKETMQ_TLS_CA_FILE: caFile }, "ROCKETMQ_TLS_CA_FILE", "ROCKETMQ_TLS_ENABLE=true"],
    [{ ROCKETMQ_TLS_ENABLE: "true", ROCKETMQ_TLS_CA_FILE: "/no/such/ca.pem" }, "ROCKETMQ_TLS_CA_FILE", "ENOENT"],
    [
      { ROCKETMQ_TLS_ENABLE: "true", ROCKETMQ_TLS_KEY_FILE: caFile, ROCKETMQ_TLS_CERT_FILE: certFile },
      "ROCKETMQ_TLS_KEY_FILE",
      "not a PEM private key"
    ],
    [{ ROCKETMQ_TLS_ENABLE: "yes please" }, "ROCKETMQ_TLS_ENABLE", "not true or false"]
  ]
  it.effect.each(bad)("%j is a ClientConfigError naming %s", ([env, variable, reason]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(fromEnv(env))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect(error.setting).toBe(variable)
      expect(error.reason).toContain(reason)
    }))

  it.effect("every millisecond and boolean variable refuses a bad value, naming itself", () =>
    Effect.gen(function*() {
      for (const variable of clientEnvironmentVariables.filter((v) => v.kind === "millis" || v.kind === "boolean")) {
        const error = yield* Effect.flip(fromEnv({ ROCKETMQ_TLS_ENABLE: "false", [variable.name]: "x1" }))
        expect(error.setting).toBe(variable.name)
      }
    }))

  it.effect("overrides given in code take the place of variables, and their errors name the setting", () =>
    Effect.gen(function*() {
      const config = yield* makeClientConfigFromEnv({ instanceName: "code", apiTimeoutMillis: undefined }).pipe(
        withEnv({ ROCKETMQ_INSTANCE_NAME: "env", ROCKETMQ_API_TIMEOUT_MS: "1234" })
      )
      expect(config.instanceName).toBe("code")
      expect(Duration.toMillis(config.apiTimeout)).toBe(1234)
      const error = yield* Effect.flip(
        makeClientConfigFromEnv({ apiTimeoutMillis: -1 }).pipe(withEnv({ ROCKETMQ_API_TIMEOUT_MS: "1234" }))
      )
      expect(error.setting).toBe("apiTimeoutMillis")
    }))

  it("the README table lists every variable with its Java name and default", () => {
    const table = clientEnvironmentTable()
    for (const variable of clientEnvironmentVariables) expect(table).toContain(`| \`${variable.name}\` |`)
    expect(table).toContain("| `ROCKETMQ_API_TIMEOUT_MS` | `apiTimeoutMillis` | `mqClientApiTimeout` | 3000 |")
    // The README shows this very table.
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
    expect(readme).toContain(table.trimEnd())
  })
})

describe("TLS settings", () => {
  it.effect("off unless given; from files or content; verifying the server is off by default, as in Java", () =>
    Effect.gen(function*() {
      expect((yield* makeClientConfig({})).tls).toBeUndefined()
      expect((yield* makeClientConfig({ tls: { enabled: false, caFile: "/not/read" } })).tls).toBeUndefined()
      const on = yield* makeClientConfig({ tls: {} })
      expect(on.tls?.rejectUnauthorized).toBe(false)
      const given = yield* makeClientConfig({ tls: { ca: "-----BEGIN CERTIFICATE-----\n" } }).pipe(Effect.flip)
      expect(given.setting).toBe("tls.ca")
    }))

  it.effect("a client certificate and key: checked against each other, the key's passphrase needed and checked", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const encrypted = join(dir, "encrypted.key")
      writeFileSync(
        encrypted,
        createPrivateKey({ key: readPem(keyFile) }).export({
          format: "pem",
          type: "pkcs8",
          cipher: "aes-256-cbc",
          passphrase: "open sesame"
        })
      )
      const settings = (tls: object) => makeClientConfig({ tls: { certFile, ...tls } })
      const loaded = yield* settings({ keyFile: encrypted, keyPassphrase: Redacted.make("open sesame") })
      expect(Redacted.value(loaded.tls!.passphrase!)).toBe("open sesame")
      const fails = (tls: object) => Effect.flip(settings(tls))
      expect(yield* fails({ keyFile: encrypted })).toMatchObject({
        setting: "tls.keyPassphrase",
        reason: "the key is encrypted: give its passphrase"
      })
      expect(yield* fails({ keyFile: encrypted, keyPassphrase: "wrong" })).toMatchObject({
        setting: "tls.keyPassphrase",
        reason: "does not decrypt the key"
      })
      expect((yield* fails({ keyFile: join(dir, "missing.key") })).setting).toBe("tls.keyFile")
      expect((yield* fails({})).reason).toContain("go together")
      expect((yield* fails({ key: readPem(keyFile), keyFile })).reason).toContain("not both")
      const other = join(dir, "other.key")
      writeFileSync(other, createPrivateKey({ key: readPem(keyFile) }).export({ format: "pem", type: "pkcs8" }))
      // The CA's certificate is not the one this key belongs to.
      const mismatch = yield* Effect.flip(makeClientConfig({ tls: { certFile: caFile, keyFile: other } }))
      expect(mismatch).toMatchObject({ setting: "tls.keyFile", reason: "the key is not the client certificate's" })
    })))
})
