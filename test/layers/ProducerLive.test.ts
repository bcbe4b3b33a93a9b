import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { BrokerResponseError } from "../../src/services/BrokerResponseError.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { MessageValidationError } from "../../src/services/Message.js"
import { NoRouteError, Producer, QueueSelectors } from "../../src/services/Producer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { clientOn, pull, withCluster } from "../support/EmbeddedClient.js"

const producer = (options: Partial<ProducerLive.ProducerOptions> = {}) =>
  ProducerLive.layer({ group: "orders_producer", ...options }).pipe(
    Layer.provideMerge(ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "producer-test" })),
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

const sends = (broker: string) =>
  Effect.flatMap(
    EmbeddedCluster,
    (c) => Effect.map(c.receivedRequests(broker), (all) => all.filter((r) => r.code === RequestCode.SEND_MESSAGE_V2))
  )

const text = (s: string) => Buffer.from(s)

describe("the producer", () => {
  it.scoped("sends a message and reports where it went; the broker stores it with its keys, tags and unique id", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const result = yield* p.send({ topic: "Orders", body: text("hello"), tags: "TagA", keys: ["k1", "k2"] })
      expect(result).toMatchObject({
        sendStatus: "SEND_OK",
        queueOffset: 0,
        messageQueue: { topic: "Orders", queueId: 0 }
      })
      expect(result.msgId).toMatch(/^[0-9A-F]{32}$/)
      const client = yield* RemotingClient
      const [stored] = Either.getOrThrow(
        decodeMessages((yield* client.invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!)
      )
      expect(stored!.properties).toMatchObject({ TAGS: "TagA", KEYS: "k1 k2", UNIQ_KEY: result.msgId })
      expect(stored!.offsetMsgId).toBe(result.offsetMsgId)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("refuses a bad message before anything is sent", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const p = yield* Producer
      const bad = [
        { topic: "Orders", body: text("") },
        { topic: "bad topic!", body: text("x") },
        { topic: "SCHEDULE_TOPIC_XXXX", body: text("x") },
        { topic: "Orders", body: text("x"), properties: { UNIQ_KEY: "mine" } },
        { topic: "Orders", body: Buffer.alloc(2048) }
      ]
      for (const message of bad) {
        expect(yield* Effect.flip(p.send(message))).toBeInstanceOf(MessageValidationError)
      }
      expect(yield* sends("broker-a")).toEqual([])
    }).pipe(Effect.provide(producer({ maxMessageSize: 1024 })), Effect.provide(withCluster())))

  it.scoped("a retryable failure is tried again on another broker", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* cluster.failNext("broker-a", RequestCode.SEND_MESSAGE_V2, 1, ResponseCode.SERVICE_NOT_AVAILABLE)
      const p = yield* Producer
      const result = yield* p.send({ topic: "Orders", body: text("x") })
      expect(result.messageQueue.brokerName).toBe("broker-b")
      expect((yield* sends("broker-a")).length).toBe(1)
      expect((yield* sends("broker-b")).length).toBe(1)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scoped("an ACL refusal is not tried again", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const p = yield* Producer
      const error = yield* Effect.flip(p.send({ topic: "Orders", body: text("x") }))
      expect(error).toBeInstanceOf(BrokerResponseError)
      expect((error as BrokerResponseError).remark).toContain("AclException")
      expect(ProducerLive.isRetryable(error)).toBe(false)
      expect((yield* sends("broker-a")).length).toBe(1)
    }).pipe(
      Effect.provide(producer()),
      Effect.provide(withCluster({
        broker: { acl: [{ accessKey: "ak", secretKey: Redacted.make("sk"), admin: true }] }
      }))
    ))

  it.scoped("compresses a body over 4 KiB with zlib, and it comes back whole", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const body = Buffer.from("abcdefghijklmnopqrstuvwxyz".repeat(200))
      yield* p.send({ topic: "Orders", body })
      const [stored] = Either.getOrThrow(decodeMessages(
        (yield* (yield* RemotingClient).invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!
      ))
      expect(stored!.sysFlag & 0x301).toBe(0x301)
      expect(Buffer.from(stored!.body).equals(body)).toBe(true)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("messages with one sharding key land on one queue, in order; oneway and chosen-queue sends arrive", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const p = yield* Producer
      const byOrder = QueueSelectors.byHash((m) => m.keys?.[0] ?? "")
      const results = yield* Effect.forEach(
        [1, 2, 3, 4, 5],
        (i) => p.send({ topic: "Orders", body: text(`step ${i}`), keys: ["order-42"] }, { selector: byOrder })
      )
      expect(new Set(results.map((r) => r.messageQueue.queueId)).size).toBe(1)
      expect(results.map((r) => r.queueOffset)).toEqual([0, 1, 2, 3, 4])
      const chosen = { topic: "Orders", brokerName: "broker-a", queueId: (results[0]!.messageQueue.queueId + 1) % 4 }
      expect((yield* p.send({ topic: "Orders", body: text("here") }, { queue: chosen })).messageQueue).toEqual(chosen)
      yield* p.sendOneway({ topic: "Orders", body: text("fire and forget") })
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
      expect((yield* sends("broker-a")).length).toBe(7)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("creates a topic through the default topic, and names the topic and name servers when there is no route", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const p = yield* Producer
      const created = yield* p.send({ topic: "Fresh", body: text("x") })
      expect(created.sendStatus).toBe("SEND_OK")
      yield* cluster.stopBroker("broker-a")
      const error = yield* Effect.flip(p.send({ topic: "Nowhere", body: text("x") }))
      expect(error).toBeInstanceOf(NoRouteError)
      expect(error.message).toContain("Nowhere")
      expect(error.message).toContain(cluster.nameServerAddress)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))
})
