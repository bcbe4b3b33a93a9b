// Typed topics on a real broker: a typed send arrives decoded at a typed consumer, and a body that does not decode
// goes straight to %DLQ% ("dead-letter": CONSUMER_SEND_MSG_BACK with delay level -1, which the broker's
// consumerSendMsgBack moves to the DLQ at once) or through %RETRY% first ("retry").
import { NodeFileSystem } from "@effect/platform-node"
import { expect } from "@effect/vitest"
import { Effect, Layer, Ref, Schema } from "effect"
import * as PushConsumerLive from "../../src/layers/PushConsumerLive.js"
import { Producer } from "../../src/services/Producer.js"
import * as Topic from "../../src/services/Topic.js"
import { maxOffset } from "./support/BrokerQueries.js"
import { client, ClientLog, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

const Order = Schema.Struct({ id: Schema.String, total: Schema.BigDecimal })

/** A typed consumer of `topic` with `onDecodeError`, keeping the ids it is given, until the test's scope closes. */
const typedConsumer = (
  topic: Topic.Topic<typeof Order.Type>,
  group: string,
  onDecodeError: Topic.DecodeErrorPolicy,
  maxReconsumeTimes = 16
) =>
  Effect.gen(function*() {
    const ids = yield* Ref.make<ReadonlyArray<string>>([])
    yield* Layer.build(
      PushConsumerLive.layer({
        group,
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        maxReconsumeTimes,
        subscriptions: [
          Topic.subscribe(topic, {
            onDecodeError,
            handler: (orders) =>
              Effect.as(
                Ref.update(ids, (all) => [...all, ...orders.map((o) => o.value.id)]),
                "CONSUME_SUCCESS" as const
              )
          })
        ]
      }).pipe(Layer.provideMerge(client()), Layer.provide(NodeFileSystem.layer))
    )
    return ids
  })

/** Typed orders, then a malformed body, then another order. */
const sendOrders = (topic: Topic.Topic<typeof Order.Type>) =>
  Effect.gen(function*() {
    const p = yield* Producer
    yield* p.send(topic, Schema.decodeSync(Order)({ id: "o-1", total: "1.50" }), { keys: ["o-1"] })
    yield* p.send({ topic: topic.name, body: text("{not json") })
    yield* p.send(topic, Schema.decodeSync(Order)({ id: "o-2", total: "2.50" }), { keys: ["o-2"] })
  })

/** Our client's log lines that contain `text`. */
const logged = (text: string) => Effect.map(ClientLog, (lines) => lines.filter((l) => l.includes(text)).length)

describeReal("typed topics on a real broker", {}, (it) => {
  it.test("\"dead-letter\": typed orders arrive decoded; the malformed body lands in %DLQ% at once", () =>
    Effect.gen(function*() {
      const topic = Topic.make(unique("Typed"), Order)
      yield* sendOrders(topic)
      const group = unique("g")
      const ids = yield* typedConsumer(topic, group, "dead-letter")
      yield* eventually(Effect.map(Ref.get(ids), (all) => all.length === 2))
      expect([...(yield* Ref.get(ids))].sort()).toEqual(["o-1", "o-2"])
      const cluster = yield* Real
      yield* eventually(Effect.map(maxOffset(cluster.brokers[0]!.address, `%DLQ%${group}`, 0), (n) => n === 1))
      // Delivered once: never through %RETRY%.
      expect(yield* logged("goes to the dead-letter topic")).toBe(1)
    }).pipe(Effect.provide(producer())))

  it.test("\"retry\": the malformed body comes back through %RETRY%, then goes to %DLQ% past maxReconsumeTimes", () =>
    Effect.gen(function*() {
      const topic = Topic.make(unique("Typed"), Order)
      yield* sendOrders(topic)
      const group = unique("g")
      const ids = yield* typedConsumer(topic, group, "retry", 1)
      const cluster = yield* Real
      yield* eventually(Effect.map(maxOffset(cluster.brokers[0]!.address, `%DLQ%${group}`, 0), (n) => n === 1))
      // Delivered twice (reconsume times 0 and 1), sent back each time.
      expect(yield* logged("sent back for retry")).toBe(2)
      expect([...(yield* Ref.get(ids))].sort()).toEqual(["o-1", "o-2"])
    }).pipe(Effect.provide(producer())))
})
