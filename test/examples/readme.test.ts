// The README's transport example, run against a scripted peer so that the README stays true.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import { EmbeddedCluster, EmbeddedClusterLive } from "../../src/embedded.js"
import {
  aclRpcHook,
  ClientLive,
  NameServerAddresses,
  Producer,
  ProducerLive,
  Protocol,
  PushConsumer,
  PushConsumerLive,
  QueueSelectors,
  RemotingClient,
  RemotingClientLive,
  RequestHandlersLive,
  RpcHooks
} from "../../src/index.js"
import { eventually } from "../support/Eventually.js"
import { scriptedPeer } from "../support/ScriptedPeer.js"

describe("README", () => {
  it.scoped("the transport example asks a name server for a route", () =>
    Effect.gen(function*() {
      const nameServer = yield* scriptedPeer((request, peer) =>
        peer.send(Protocol.response(request, Protocol.ResponseCode.SUCCESS, { body: Buffer.from("{}") }))
      )
      // --- as in README.md ---
      const TransportLive = RemotingClientLive.layer({ permitsAsync: 1024 }).pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.layer([aclRpcHook({ accessKey: "ak", secretKey: Redacted.make("sk") })])),
        Layer.provide(NameServerAddresses.fixed([nameServer.address]))
      )
      const program = Effect.gen(function*() {
        const client = yield* RemotingClient
        const response = yield* client.invokeNameServer(
          Protocol.request(Protocol.RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TestTopic" }),
          "3 seconds"
        )
        return response.code
      })
      // ---
      expect(yield* program.pipe(Effect.provide(TransportLive))).toBe(0)
      expect(nameServer.received[0]!.extFields).toMatchObject({ topic: "TestTopic", AccessKey: "ak" })
    }))
})

describe("README producer example", () => {
  it.scoped("runs as written, on the embedded cluster", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      // --- as in README.md, with the name server given instead of read from the environment ---
      const ProducerLayer = ProducerLive.layer({ group: "orders_producer" }).pipe(
        Layer.provideMerge(ClientLive.layerFromEnv({ nameServerAddress: cluster.nameServerAddress }))
      )
      const orders = [1, 2, 3].map((i) => ({ topic: "Orders", body: Buffer.from(`order ${i}`), keys: [`order-${i}`] }))
      const program = Effect.gen(function*() {
        const producer = yield* Producer
        const result = yield* producer.send({
          topic: "Orders",
          body: Buffer.from("hello"),
          tags: "TagA",
          keys: ["order-1"]
        })
        const results = yield* Effect.forEach(orders, (order) => producer.send(order), { concurrency: 64 })
        yield* producer.send(orders[0]!, { selector: QueueSelectors.byHash((m) => m.keys![0]!) })
        const all = yield* Stream.fromIterable(orders).pipe(Stream.run(Producer.sink({ concurrency: 32 })))
        return [result, ...results, ...all]
      }).pipe(Effect.provide(ProducerLayer))
      // ---
      const sent = yield* program
      expect(sent).toHaveLength(7)
      expect(sent.every((r) => r.sendStatus === "SEND_OK")).toBe(true)
    }).pipe(Effect.provide(EmbeddedClusterLive.layer())))
})

describe("README push consumer example", () => {
  it.live("runs as written, on the embedded cluster", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const got: Array<string> = []
      // --- as in README.md, with the name server given instead of read from the environment ---
      const Client = ClientLive.layerFromEnv({ nameServerAddress: cluster.nameServerAddress })
      const OrdersConsumer = PushConsumerLive.layer({
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders", expression: "TagA || TagB" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        handler: (messages) =>
          Effect.gen(function*() {
            for (const m of messages) yield* Effect.log(`order ${Buffer.from(m.body).toString()}`)
            got.push(...messages.map((m) => Buffer.from(m.body).toString())) // (not in the README)
            return "CONSUME_SUCCESS" as const
          })
      }).pipe(Layer.provideMerge(Client))
      const firstThree = PushConsumer.stream({ group: "orders_reader", subscriptions: [{ topic: "Orders" }] }).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.provide(Client)
      )
      // ---
      const producer = ProducerLive.layer({ group: "orders_producer" }).pipe(Layer.provideMerge(Client))
      yield* Effect.flatMap(Producer, (p) =>
        Effect.forEach(["TagA", "TagB", "TagC", "TagA"], (tags, i) =>
          p.send({ topic: "Orders", body: Buffer.from(`order ${i}`), tags }))).pipe(Effect.provide(producer))
      yield* Layer.build(OrdersConsumer)
      const three = Effect.sync(() =>
        got.length >= 3
      )
      yield* eventually(three, { what: "the handler got the 3 orders of TagA and TagB" })
      expect(got.sort()).toEqual(["order 0", "order 1", "order 3"]) // TagC is not subscribed
      expect((yield* firstThree).length).toBe(3)
    }).pipe(Effect.scoped, Effect.provide(EmbeddedClusterLive.layer()))) // the consumer closes before the cluster
})
