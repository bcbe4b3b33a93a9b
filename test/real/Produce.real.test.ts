// Producing every way to a real broker, read back by our push consumer.
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import { Producer, QueueSelectors } from "../../src/services/Producer.js"
import { mqadmin } from "./support/MqAdmin.js"
import { bodyText, collect, describeReal, producer, Real, text, unique } from "./support/RealSuite.js"

describeReal("producing to a real broker", {}, (it) => {
  it.test("a sync send is stored with its tags, keys and properties, and read back exactly", () =>
    Effect.gen(function*() {
      const topic = unique("Sync")
      const p = yield* Producer
      const results = yield* Effect.forEach([0, 1, 2, 3, 4], (i) =>
        p.send({
          topic,
          body: text(`body ${i} é✓`),
          tags: i % 2 === 0 ? "TagA" : "TagB",
          keys: [`k${i}`, `order-${i}`],
          properties: { color: "blue", n: String(i) }
        }))
      for (const r of results) expect(r.sendStatus).toBe("SEND_OK")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(5)
      expect(got.map(bodyText).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `body ${i} é✓`))
      for (const m of got) {
        const i = Number(m.properties.n)
        expect(m.properties).toMatchObject({
          TAGS: i % 2 === 0 ? "TagA" : "TagB",
          KEYS: `k${i} order-${i}`,
          color: "blue"
        })
        expect(m.msgId).toBe(results[i]!.msgId)
        expect(m.offsetMsgId).toBe(results[i]!.offsetMsgId)
        expect(m.queueOffset).toBe(results[i]!.queueOffset)
      }
    }).pipe(Effect.provide(producer())))

  it.test("oneway sends arrive", () =>
    Effect.gen(function*() {
      const topic = unique("Oneway")
      const p = yield* Producer
      yield* p.send({ topic, body: text("first") }) // creates the topic through TBW102
      yield* Effect.forEach([1, 2, 3], (i) => p.sendOneway({ topic, body: text(`oneway ${i}`) }))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(4)
      expect(got.map(bodyText).sort()).toEqual(["first", "oneway 1", "oneway 2", "oneway 3"])
    }).pipe(Effect.provide(producer())))

  it.test("sends to a chosen queue and through a selector land in that queue", () =>
    Effect.gen(function*() {
      const topic = unique("Queues")
      const p = yield* Producer
      const first = yield* p.send({ topic, body: text("route") })
      const queue = { ...first.messageQueue, queueId: 2 }
      const toQueue = yield* Effect.forEach([0, 1, 2], (i) => p.send({ topic, body: text(`q${i}`) }, { queue }))
      expect(toQueue.map((r) => r.messageQueue.queueId)).toEqual([2, 2, 2])
      const selector = QueueSelectors.byHash((m) => m.keys![0]!)
      const byKey = yield* Effect.forEach([0, 1, 2, 3], (i) =>
        p.send({ topic, body: text(`order-7 step ${i}`), keys: ["order-7"] }, { selector }))
      expect(
        new Set(byKey.map((r) =>
          r.messageQueue.queueId
        )).size
      ).toBe(1)
      expect(byKey.map((r) => r.queueOffset)).toEqual(byKey.map((_, i) => byKey[0]!.queueOffset + i))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(8)
      expect(got.filter((m) => bodyText(m).startsWith("q")).every((m) => m.queueId === 2)).toBe(true)
      const steps = got.filter((m) => bodyText(m).startsWith("order-7")).sort((a, b) => a.queueOffset - b.queueOffset)
      expect(steps.map(bodyText)).toEqual([0, 1, 2, 3].map((i) => `order-7 step ${i}`))
    }).pipe(Effect.provide(producer())))

  it.test("a batch is stored as consecutive messages of one queue", () =>
    Effect.gen(function*() {
      const topic = unique("Batch")
      const p = yield* Producer
      yield* p.send({ topic, body: text("route") })
      const batch = Array.from({ length: 10 }, (_, i) => ({ topic, body: text(`b${i}`), keys: [`b${i}`] }))
      const result = yield* p.sendBatch(batch)
      expect(result.sendStatus).toBe("SEND_OK")
      expect(result.msgId.split(",")).toHaveLength(10)
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = (yield* c.awaitCount(11)).filter((m) =>
        m.queueId === result.messageQueue.queueId && bodyText(m) !== "route"
      )
      got.sort((a, b) => a.queueOffset - b.queueOffset)
      expect(got.map(bodyText)).toEqual(batch.map(bodyText))
      expect(got.map((m) => m.msgId)).toEqual(result.msgId.split(","))
    }).pipe(Effect.provide(producer())))

  it.test("a delayed message is delivered after its delay level (1 s on this broker), not before", () =>
    Effect.gen(function*() {
      const topic = unique("Delay")
      const p = yield* Producer
      yield* p.send({ topic, body: text("route") })
      const sent = yield* p.send({ topic, body: text("later"), delayTimeLevel: 2 })
      expect(sent.sendStatus).toBe("SEND_OK")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = (yield* c.awaitCount(2)).find((m) => bodyText(m) === "later")!
      expect(got.properties.DELAY).toBe("2")
      // Stored again in the topic when due: its store time is at least the delay after it was born.
      expect(got.storeTimestamp - got.bornTimestamp).toBeGreaterThanOrEqual(900)
    }).pipe(Effect.provide(producer())))

  it.test("bodies over 4 KiB are compressed on the wire and read back whole", () =>
    Effect.gen(function*() {
      const topic = unique("Compressed")
      const p = yield* Producer
      const body = Buffer.from("RocketMQ compresses bodies over 4 KiB. ".repeat(2_000))
      yield* p.send({ topic, body })
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const [got] = yield* c.awaitCount(1)
      expect(Buffer.from(got!.body).equals(body)).toBe(true)
    }).pipe(Effect.provide(producer())))

  it.test("a message of nearly the maximum size is sent; one over it is refused before anything is sent", () =>
    Effect.gen(function*() {
      const topic = unique("Large")
      const p = yield* Producer
      // Random bytes: compression cannot shrink them, so the broker sees the full size.
      const body = randomBytes(4 * 1024 * 1024 - 64 * 1024)
      const sent = yield* p.send({ topic, body })
      expect(sent.sendStatus).toBe("SEND_OK")
      const refused = yield* Effect.either(p.send({ topic, body: randomBytes(4 * 1024 * 1024 + 1) }))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("MessageValidationError")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const [got] = yield* c.awaitCount(1)
      expect(Buffer.from(got!.body).equals(body)).toBe(true)
    }).pipe(Effect.provide(producer())))
})

describeReal("producing to a real cluster of two brokers", { brokers: 2 }, (it) => {
  it.test("sends go round both brokers' queues, and a consumer reads from both", () =>
    Effect.gen(function*() {
      const topic = unique("TwoBrokers")
      // Created on the whole cluster (a topic auto-created by a send lives only on the broker that took that send).
      const cluster = yield* Real
      yield* mqadmin(cluster.line, cluster.nameServerAddress, ["updateTopic", "-c", cluster.clusterName, "-t", topic])
      const p = yield* Producer
      const results = yield* Effect.forEach(Array.from({ length: 16 }, (_, i) => i), (i) =>
        p.send({ topic, body: text(`two ${i}`) }))
      expect(
        new Set(results.map((r) =>
          r.messageQueue.brokerName
        ))
      ).toEqual(new Set(["broker-a", "broker-b"]))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(16)
      expect(new Set(got.map(bodyText)).size).toBe(16)
      expect(new Set(got.map((m) => m.offsetMsgId.slice(0, 16))).size).toBe(2)
    }).pipe(Effect.provide(producer())))
})
