// Consuming from a real broker with our push consumer: concurrent, orderly under the broker's locks, broadcasting,
// retries through %RETRY% and on to %DLQ%, a graceful shutdown's committed offsets, and the broker's (mqadmin's)
// requests to a consumer.
import { expect } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { Producer, QueueSelectors } from "../../src/services/Producer.js"
import { consumerOffset, maxOffset, tryLock } from "./support/BrokerQueries.js"
import { mqadmin } from "./support/MqAdmin.js"
import {
  bodyText,
  collect,
  describeReal,
  eventually,
  producer,
  Real,
  sendAll,
  text,
  unique
} from "./support/RealSuite.js"

const count = (ms: ReadonlyArray<MessageExt>, body: string) => ms.filter((m) => bodyText(m) === body).length

describeReal("consuming from a real broker", {}, (it, line) => {
  it.test("concurrent consumption receives every message once", () =>
    Effect.gen(function*() {
      const topic = unique("Concurrent")
      yield* sendAll(topic, 64)
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(64)
      expect(new Set(got.map(bodyText)).size).toBe(64)
      expect(new Set(got.map((m) => m.queueId)).size).toBe(4)
    }).pipe(Effect.provide(producer())))

  it.test("orderly consumption keeps each queue's order and holds the broker's lock on its queues", () =>
    Effect.gen(function*() {
      const topic = unique("Orderly")
      const p = yield* Producer
      const selector = QueueSelectors.byHash((m) => m.keys![0]!)
      for (let step = 0; step < 10; step++) {
        yield* Effect.forEach(
          ["order-a", "order-b", "order-c"],
          (order) => p.send({ topic, body: text(`${order} ${step}`), keys: [order] }, { selector })
        )
      }
      const group = unique("g")
      const c = yield* collect({ group, subscriptions: [{ topic }], orderly: true })
      const got = yield* c.awaitCount(30)
      for (const order of ["order-a", "order-b", "order-c"]) {
        const steps = got.filter((m) => bodyText(m).startsWith(order)).map((m) => Number(bodyText(m).split(" ")[1]))
        expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      }
      // Another client of the group cannot lock the queues our consumer holds.
      const cluster = yield* Real
      const broker = cluster.brokers[0]!
      const queues = [...new Set(got.map((m) => m.queueId))].map((queueId) => ({
        topic,
        brokerName: broker.name,
        queueId
      }))
      const locked = yield* tryLock(broker.address, group, "127.0.0.1@intruder", queues)
      expect(locked).toEqual([])
    }).pipe(Effect.provide(producer())))

  it.test("broadcasting: every consumer of the group receives every message", () =>
    Effect.gen(function*() {
      const topic = unique("Broadcast")
      yield* sendAll(topic, 1, "route")
      const group = unique("g")
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-rocketmq-offsets-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const options = {
        group,
        subscriptions: [{ topic }],
        messageModel: "BROADCASTING" as const,
        localOffsetStoreDir: dir
      }
      const a = yield* collect(options, { instanceName: "broadcast-a" })
      const b = yield* collect(options, { instanceName: "broadcast-b" })
      // Each keeps its own offsets (a local file), starting from the first message.
      yield* sendAll(topic, 20)
      const gotA = yield* a.awaitCount(21)
      const gotB = yield* b.awaitCount(21)
      expect(new Set(gotA.map(bodyText).filter((t) => t.startsWith("m-"))).size).toBe(20)
      expect(new Set(gotB.map(bodyText).filter((t) => t.startsWith("m-"))).size).toBe(20)
    }).pipe(Effect.provide(producer())))

  it.test("a failed message comes back through %RETRY%, and one failing past maxReconsumeTimes goes to %DLQ%", () =>
    Effect.gen(function*() {
      const topic = unique("Retry")
      const p = yield* Producer
      yield* p.send({ topic, body: text("ok") })
      yield* p.send({ topic, body: text("fail-once") })
      yield* p.send({ topic, body: text("fail-always") })
      const group = unique("g")
      const c = yield* collect({
        group,
        subscriptions: [{ topic }],
        maxReconsumeTimes: 2,
        result: (m) =>
          bodyText(m) === "fail-always" || (bodyText(m) === "fail-once" && m.reconsumeTimes === 0)
            ? "RECONSUME_LATER"
            : "CONSUME_SUCCESS"
      })
      // fail-always: the first delivery and two retries, then the DLQ.
      yield* eventually(Effect.sync(() => count(c.received, "fail-always") >= 3 && count(c.received, "fail-once") >= 2))
      const retried = c.received.find((m) => bodyText(m) === "fail-once" && m.reconsumeTimes === 1)!
      expect(retried.topic).toBe(topic)
      // The broker keeps the original topic in RETRY_TOPIC; the consumer shows the message under it.
      expect(retried.properties.RETRY_TOPIC).toBe(topic)
      const cluster = yield* Real
      yield* eventually(Effect.map(maxOffset(cluster.brokers[0]!.address, `%DLQ%${group}`, 0), (n) => n === 1))
      expect(count(c.received, "ok")).toBe(1)
    }).pipe(Effect.provide(producer())))

  it.test("a graceful shutdown leaves the broker's offsets at what was consumed", () =>
    Effect.gen(function*() {
      const topic = unique("Shutdown")
      yield* sendAll(topic, 40)
      const group = unique("g")
      const c = yield* collect({ group, subscriptions: [{ topic }] })
      yield* c.awaitCount(40)
      yield* c.close
      const cluster = yield* Real
      const broker = cluster.brokers[0]!.address
      // The last offsets go as oneway UPDATE_CONSUMER_OFFSET (as Java's persistAll sends them), which the broker works
      // on in its own executor: the unregistration's answer can come first, so the offsets are awaited (bounded).
      const committed = Effect.forEach([0, 1, 2, 3], (queueId) =>
        Effect.zipWith(
          consumerOffset(broker, group, topic, queueId),
          maxOffset(broker, topic, queueId),
          (offset, max) => ({ queueId, offset, max })
        ))
      yield* eventually(Effect.map(committed, (all) => all.every((q) => q.offset === q.max)), "10 seconds")
      expect((yield* committed).every((q) => q.max > 0)).toBe(true)
    }).pipe(Effect.provide(producer())))

  it.test(
    "mqadmin sees our consumer (GET_CONSUMER_RUNNING_INFO) and resets its offsets (RESET_CONSUMER_CLIENT_OFFSET)",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const topic = unique("Admin")
        yield* sendAll(topic, 8)
        const group = unique("g")
        const c = yield* collect({ group, subscriptions: [{ topic }] }, { instanceName: "admin-target" })
        yield* c.awaitCount(8)
        // Its offsets committed on the broker first, so that nothing the consumer persists later is older than the reset.
        const broker = cluster.brokers[0]!.address
        yield* eventually(
          Effect.forEach(
            [0, 1, 2, 3],
            (q) =>
              Effect.zipWith(consumerOffset(broker, group, topic, q), maxOffset(broker, topic, q), (a, b) => a === b)
          ).pipe(
            Effect.map((all) => all.every(Boolean))
          )
        )
        const status = yield* mqadmin(line, cluster.nameServerAddress, ["consumerStatus", "-g", group])
        expect(status).toContain("127.0.0.1@admin-target")
        const running = yield* mqadmin(line, cluster.nameServerAddress, [
          "consumerStatus",
          "-g",
          group,
          "-i",
          "127.0.0.1@admin-target"
        ])
        expect(running).toContain(topic)
        // Back to the first message: the broker tells our consumer, which consumes them all again.
        yield* mqadmin(line, cluster.nameServerAddress, ["resetOffsetByTime", "-g", group, "-t", topic, "-s", "0"])
        yield* c.awaitCount(16)
        expect(new Set(c.received.map(bodyText)).size).toBe(8)
        // Retried once: on 4.9.7 the consumer was once seen (2 runs in about 8) not consuming again within a minute of
        // the reset; the cause (a race between the reset and an in-flight pull or offset persist) is not found yet.
      }).pipe(Effect.provide(Layer.fresh(producer()))),
    200_000,
    1
  )
})
