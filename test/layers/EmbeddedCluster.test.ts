import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, TestClock } from "effect"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { ConsumerListBody } from "../../src/protocol/bodies/ConsumerGroupBodies.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { parseTagExpression } from "../../src/protocol/TagFilter.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { clientOn, heartbeat, pull, send, withCluster } from "../support/EmbeddedClient.js"
import { eventually, sleepsEndingIn } from "../support/Eventually.js"

/**
 * Waits until the broker holds a long poll: its suspend timer (15 s, on the TestClock) is running. The timer's fiber
 * starts after the one waiting for a message, so the broker is then also listening for the next message.
 */
const longPollHeld = (before: number) =>
  eventually(Effect.map(sleepsEndingIn(15_000), (sleeps) => sleeps > before), {
    what: "the broker holds the long poll"
  })

describe("the embedded cluster, driven by the project's own client", () => {
  it.scoped("routes a created topic, in standard JSON to 4.9.4+ clients", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const client = yield* RemotingClient
      const answer = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Orders" }))
      const route = Either.getOrThrow(decodeBody(TopicRouteData, answer.body))
      expect(route.queueDatas).toEqual([
        { brokerName: "broker-a", perm: 6, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 }
      ])
      expect(route.brokerDatas[0]!.brokerAddrs).toEqual({ "0": cluster.brokers[0]!.address })
      expect(Buffer.from(answer.body!).toString()).toContain("{\"0\":")
      const missing = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Nope" }))
      expect(missing.code).toBe(ResponseCode.TOPIC_NOT_EXIST)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("answers clients older than 4.9.4 in fastjson's form", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const answer = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Orders" }))
      expect(Buffer.from(answer.body!).toString()).toContain("{0:")
      expect(Either.getOrThrow(decodeBody(TopicRouteData, answer.body)).queueDatas[0]!.readQueueNums).toBe(4)
    }).pipe(Effect.provide(clientOn({ version: 317 })), Effect.provide(withCluster())))

  it.scoped("a sent message is pulled back as stored, with tag filtering by hash", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const first = yield* client.invoke(broker, send("Orders", "one", { TAGS: "TagA", KEYS: "k1", WAIT: "true" }))
      yield* client.invoke(broker, send("Orders", "two", { TAGS: "TagB", KEYS: "k2" }))
      expect(first.code).toBe(ResponseCode.SUCCESS)
      expect(first.extFields).toMatchObject({ queueId: "0", queueOffset: "0" })
      const found = yield* client.invoke(broker, pull("Orders", 0))
      expect(found.remark).toBe("FOUND")
      const messages = Either.getOrThrow(decodeMessages(found.body!))
      expect(messages.map((m) => Buffer.from(m.body).toString())).toEqual(["one", "two"])
      expect(messages[0]!.properties).toEqual({ TAGS: "TagA", KEYS: "k1", CLUSTER: "DefaultCluster" })
      expect(messages[0]!.offsetMsgId).toBe(first.extFields!.msgId)
      const onlyB = yield* client.invoke(broker, pull("Orders", 0, { expression: "TagB" }))
      expect(Either.getOrThrow(decodeMessages(onlyB.body!)).map((m) => m.queueOffset)).toEqual([1])
      const none = yield* client.invoke(broker, pull("Orders", 0, { expression: "TagC" }))
      expect(none).toMatchObject({ code: ResponseCode.PULL_RETRY_IMMEDIATELY, remark: "NO_MATCHED_MESSAGE" })
      expect(none.extFields!.nextBeginOffset).toBe("2")
      expect(parseTagExpression("TagB").codes).toHaveLength(1)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a long poll waits for the next message, or answers PULL_NOT_FOUND when its suspend time passes", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const timersBefore = yield* sleepsEndingIn(15_000)
      const waiting = yield* Effect.fork(client.invoke(broker, pull("Orders", 0, { suspend: true }), "30 seconds"))
      yield* longPollHeld(timersBefore)
      expect(waiting.unsafePoll()).toBeNull()
      yield* client.invoke(broker, send("Orders", "arrived", { TAGS: "TagA" }))
      const answer = yield* Fiber.join(waiting)
      expect(answer.remark).toBe("FOUND")
      // The first long poll's timer, ended early, is still listed until the clock passes it.
      const timersThen = yield* sleepsEndingIn(15_000)
      const idle = yield* Effect.fork(client.invoke(broker, pull("Orders", 1, { suspend: true }), "30 seconds"))
      yield* longPollHeld(timersThen)
      expect(idle.unsafePoll()).toBeNull()
      yield* TestClock.adjust("15 seconds")
      expect(yield* Fiber.join(idle)).toMatchObject({
        code: ResponseCode.PULL_NOT_FOUND,
        remark: "OFFSET_OVERFLOW_ONE"
      })
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a delayed message arrives on its queue when its level is due", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      yield* client.invoke(broker, send("Orders", "later", { TAGS: "TagA", DELAY: "3", WAIT: "true" }))
      expect((yield* client.invoke(broker, pull("Orders", 0))).code).toBe(ResponseCode.PULL_NOT_FOUND)
      yield* TestClock.adjust("10 seconds")
      const answer = yield* client.invoke(broker, pull("Orders", 0))
      const [message] = Either.getOrThrow(decodeMessages(answer.body!))
      expect(message!.properties).toMatchObject({ REAL_TOPIC: "Orders", REAL_QID: "0", DELAY: "3", WAIT: "true" })
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("members of a consumer group are told when it changes, and listed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const broker = cluster.brokers[0]!.address
      const first = yield* RemotingClient
      const handlers = yield* RequestHandlers
      const notified = yield* Deferred.make<string>()
      yield* handlers.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (r) =>
        Effect.as(Deferred.succeed(notified, r.extFields!.consumerGroup!), undefined))
      yield* first.invoke(broker, heartbeat("10.0.0.1@a", "orders_group"))
      yield* Effect.gen(function*() {
        const second = yield* RemotingClient
        yield* second.invoke(broker, heartbeat("10.0.0.2@b", "orders_group"))
        const list = yield* second.invoke(
          broker,
          request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "orders_group" })
        )
        expect(Either.getOrThrow(decodeBody(ConsumerListBody, list.body)).consumerIdList).toEqual([
          "10.0.0.1@a",
          "10.0.0.2@b"
        ])
      }).pipe(Effect.provide(clientOn()))
      expect(yield* Deferred.await(notified)).toBe("orders_group")
      const none = yield* first.invoke(broker, request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "x" }))
      expect(none).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: "no consumer for this group, x" })
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a stopped broker leaves routes and drops connections; started again, it has its data", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers.find((b) => b.name === "broker-b")!.address
      yield* client.invoke(broker, send("Orders", "kept", { TAGS: "TagA" }))
      yield* cluster.stopBroker("broker-b")
      const route = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Orders" }))
      expect(Either.getOrThrow(decodeBody(TopicRouteData, route.body)).queueDatas.map((q) => q.brokerName)).toEqual([
        "broker-a"
      ])
      const down = yield* client.invoke(broker, pull("Orders", 0)).pipe(Effect.flip)
      expect(["RemotingConnectError", "RemotingConnectionError"]).toContain(down._tag)
      yield* cluster.startBroker("broker-b")
      const again = yield* client.invoke(broker, pull("Orders", 0))
      expect(Either.getOrThrow(decodeMessages(again.body!)).map((m) => Buffer.from(m.body).toString())).toEqual([
        "kept"
      ])
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scoped("a stopped name server drops its connections and refuses new ones, brokers serve on; started, it routes", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const routeOf = client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Orders" }))
      yield* routeOf
      yield* cluster.stopNameServer
      yield* cluster.stopNameServer // stopping twice is stopping once
      const down = yield* Effect.flip(routeOf)
      expect(["RemotingConnectError", "RemotingConnectionError"]).toContain(down._tag)
      const sent = yield* client.invoke(cluster.brokers[0]!.address, send("Orders", "still served", {}))
      expect(sent.code).toBe(ResponseCode.SUCCESS)
      yield* cluster.startNameServer
      yield* cluster.startNameServer
      const route = Either.getOrThrow(decodeBody(TopicRouteData, (yield* routeOf).body))
      expect(route.queueDatas.map((q) => q.brokerName)).toEqual(["broker-a"])
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("refuses a message over the maximum size, and a send to an unknown topic without auto-creation", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const big = yield* client.invoke(broker, send("Orders", "x".repeat(2048), {}))
      expect(big.code).toBe(ResponseCode.MESSAGE_ILLEGAL)
      const unknown = yield* client.invoke(broker, send("Elsewhere", "x", {}))
      expect(unknown.code).toBe(ResponseCode.TOPIC_NOT_EXIST)
    }).pipe(
      Effect.provide(clientOn()),
      Effect.provide(withCluster({ broker: { maxMessageSize: 1024, autoCreateTopicEnable: false } }))
    ))
})
