import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Redacted } from "effect"
import { ClientConfigError, clientConfigFromEnv, clientId, makeClientConfig } from "../../src/services/ClientConfig.js"

describe("client configuration", () => {
  it.effect("fills in Java's defaults, with a pid#time instance name", () =>
    Effect.gen(function*() {
      const config = yield* makeClientConfig({ clientIP: "10.1.2.3" })
      expect(Duration.toMillis(config.pollNameServerInterval)).toBe(30_000)
      expect(Duration.toMillis(config.heartbeatBrokerInterval)).toBe(30_000)
      expect(Duration.toMillis(config.persistConsumerOffsetInterval)).toBe(5_000)
      expect(Duration.toMillis(config.apiTimeout)).toBe(3_000)
      expect(Duration.toMillis(config.connectTimeout)).toBe(3_000)
      expect(Duration.toMillis(config.shutdownTimeout)).toBe(10_000)
      expect(config.instanceName).toMatch(new RegExp(`^${process.pid}#\\d+$`))
      expect(clientId(config)).toBe(`10.1.2.3@${config.instanceName}`)
      expect(clientId({ ...config, instanceName: "app", unitName: "unit1" })).toBe("10.1.2.3@app@unit1")
      expect(config.nameServerAddresses).toEqual([])
      // No address server unless one is set (Java would fall back to jmenv.tbsite.net).
      expect([config.nameServerDomain, config.nameServerSubgroup]).toEqual([undefined, "nsaddr"])
    }))

  it.effect("reads a name-server list, also in Java's http://.../list form", () =>
    Effect.gen(function*() {
      const plain = yield* makeClientConfig({ nameServerAddress: "10.0.0.1:9876; 10.0.0.2:9876" })
      expect(plain.nameServerAddresses).toEqual(["10.0.0.1:9876", "10.0.0.2:9876"])
      const url = yield* makeClientConfig({ nameServerAddress: "http://lookup/ns/10.0.0.1:9876;10.0.0.2:9876" })
      expect(url.nameServerAddresses).toEqual(["10.0.0.1:9876", "10.0.0.2:9876"])
    }))

  it.effect.each(
    [
      [{ nameServerAddress: "localhost" }, "nameServerAddress", "is not host:port"],
      [{ heartbeatBrokerIntervalMillis: -5 }, "heartbeatBrokerIntervalMillis", "more than 0"],
      [{ apiTimeoutMillis: 1.5 }, "apiTimeoutMillis", "whole number"],
      [{ clientIP: "not-an-ip" }, "clientIP", "is not an IP address"],
      [{ instanceName: "a@b" }, "instanceName", "may not contain @"],
      [{ accessKey: "ak" }, "secretKey", "go together"]
    ] as const
  )("a bad %j is a ClientConfigError naming %s", ([input, setting, reason]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(makeClientConfig(input))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect(error.setting).toBe(setting)
      expect(error.reason).toContain(reason)
    }))

  it.effect("reads the environment, keeping the secret key redacted", () =>
    Effect.gen(function*() {
      const input = yield* clientConfigFromEnv
      const config = yield* makeClientConfig(input)
      expect(config.nameServerAddresses).toEqual(["127.0.0.1:9876"])
      expect(config.instanceName).toBe("orders")
      expect(Duration.toMillis(config.persistConsumerOffsetInterval)).toBe(1000)
      expect(config.credentials?.accessKey).toBe("ak-1")
      expect(Redacted.value(config.credentials!.secretKey)).toBe("very-secret")
      expect(JSON.stringify(config)).not.toContain("very-secret")
      expect(String(config.credentials!.secretKey)).not.toContain("very-secret")
    }).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(
        new Map([
          ["NAMESRV_ADDR", "127.0.0.1:9876"],
          ["ROCKETMQ_INSTANCE_NAME", "orders"],
          ["ROCKETMQ_PERSIST_OFFSET_INTERVAL_MS", "1000"],
          ["ROCKETMQ_ACCESS_KEY", "ak-1"],
          ["ROCKETMQ_SECRET_KEY", "very-secret"]
        ])
      ))
    ))
})
