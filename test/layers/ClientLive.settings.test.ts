import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Context, Duration, Effect, Layer, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as ClientLive from "../../src/layers/ClientLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../../src/layers/PushConsumerLive.js"
import { request, response } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { ClientConfigError } from "../../src/services/ClientConfig.js"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { RemotingClient, RemotingConnectError } from "../../src/services/RemotingClient.js"
import { fixtureDir } from "../fixtures.js"
import { type OnRequest, scriptedPeer } from "../support/ScriptedPeer.js"

const tlsDir = join(fixtureDir, "..", "tls")
const readPem = (file: string) => readFileSync(join(tlsDir, file))

/** Builds a client layer in the test's scope; its failure, if any, is the effect's. */
const build = <E>(layer: Layer.Layer<ClientLive.Client, E, HttpClient.HttpClient>) =>
  Layer.build(layer.pipe(Layer.provide(NodeHttpClient.layer)))

const withEnv = (entries: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

const echo: OnRequest = (command, peer) =>
  peer.send(response(command, ResponseCode.SUCCESS, { extFields: { ...command.extFields } }))

const ping = request(RequestCode.GET_MAX_OFFSET, { topic: "T", queueId: "3" })

describe("ClientLive.layer: typed settings", () => {
  it.scoped("a misspelt setting does not compile, and from JavaScript is a ClientConfigError naming the closest", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build(ClientLive.layer({
        // @ts-expect-error: a misspelt setting is a compile error
        nameServerAdress: "127.0.0.1:9876"
      })))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect(error.message).toContain("unknown setting nameServerAdress; did you mean nameServerAddress?")
    }))

  it.scoped("with no name server and no address server, the error says how to set one", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build(ClientLive.layer({ clientIP: "127.0.0.1" })))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect((error as ClientConfigError).setting).toBe("nameServerAddress")
      expect(error.message).toContain("set nameServerAddress (ROCKETMQ_NAMESRV_ADDR)")
      const fromEnv = yield* Effect.flip(build(ClientLive.layerFromEnv())).pipe(withEnv({}))
      expect(fromEnv.message).toContain("nameServerDomain (ROCKETMQ_NAMESRV_DOMAIN)")
    }))

  it.scoped("TLS from the settings reaches the connections: the server verified against the CA file", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo, {
        tls: { key: readPem("server.key"), cert: readPem("server.pem") }
      })
      const settings = {
        nameServerAddress: peer.address,
        clientIP: "127.0.0.1",
        instanceName: "tls-settings"
      }
      const context = yield* build(ClientLive.layer({
        ...settings,
        tls: { caFile: join(tlsDir, "ca.pem"), verifyServer: true, serverName: "localhost" }
      }))
      const answer = yield* Context.get(context, RemotingClient).invoke(peer.address, ping)
      expect(answer.extFields!.queueId).toBe("3")
      // Verifying with Node's CAs only, the test CA's certificate is refused.
      const refused = yield* build(ClientLive.layer({ ...settings, tls: { verifyServer: true } })).pipe(
        Effect.flatMap((other) => Context.get(other, RemotingClient).invoke(peer.address, ping)),
        Effect.flip
      )
      expect(refused).toBeInstanceOf(RemotingConnectError)
    }))
})

describe("ClientLive.layerConfig: settings as Config values", () => {
  const layer = ClientLive.layerConfig({
    nameServerAddress: Config.string("NAMESRV"),
    clientIP: Config.succeed("127.0.0.1"),
    apiTimeoutMillis: Config.integer("TIMEOUT_MS"),
    // An optional setting: its default when the variable is not set.
    connectTimeoutMillis: Config.integer("CONNECT_MS").pipe(Config.withDefault(undefined)),
    accessKey: Config.string("AK"),
    secretKey: Config.redacted("SK")
  })

  it.scoped("reads each setting from its Config", () =>
    Effect.gen(function*() {
      const context = yield* build(layer).pipe(
        withEnv({ NAMESRV: "127.0.0.1:9876", TIMEOUT_MS: "2500", AK: "ak", SK: "sk-secret" })
      )
      const config = Context.get(context, ClientInstance).config
      expect(config.nameServerAddresses).toEqual(["127.0.0.1:9876"])
      expect(Duration.toMillis(config.apiTimeout)).toBe(2500)
      expect(Duration.toMillis(config.connectTimeout)).toBe(3000)
      expect(Redacted.value(config.credentials!.secretKey)).toBe("sk-secret")
    }))

  it.scoped.each(
    [
      [{ TIMEOUT_MS: "2500", AK: "ak", SK: "sk" }, "NAMESRV"],
      [{ NAMESRV: "127.0.0.1:9876", TIMEOUT_MS: "soon", AK: "ak", SK: "sk" }, "TIMEOUT_MS"],
      [{ NAMESRV: "127.0.0.1:9876", TIMEOUT_MS: "0", AK: "ak", SK: "sk" }, "apiTimeoutMillis"]
    ] as const
  )("%j: a ClientConfigError naming %s", ([env, setting]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build(layer)).pipe(withEnv(env))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect((error as ClientConfigError).setting).toBe(setting)
    }))
})

describe("producer and push consumer options", () => {
  it("are typed: a misspelt option does not compile", () => {
    ProducerLive.layer({
      group: "g",
      // @ts-expect-error: a misspelt option is a compile error
      retryTimesWhenSendFaild: 3
    })
    PushConsumerLive.layer({
      group: "g",
      subscriptions: [{ topic: "T" }],
      handler: () => Effect.succeed("CONSUME_SUCCESS" as const),
      // @ts-expect-error: a misspelt option is a compile error
      pullBatchSzie: 64
    })
    expect(true).toBe(true)
  })
})
