import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Metric, MetricState, Queue, Ref } from "effect"
import { decodeMessages, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { type MessageQueue, messageQueueKey } from "../../src/protocol/MessageQueue.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import type { ConsumeResult, PushConsumerService } from "../../src/services/PushConsumer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { bodyText, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

/** A handler that records what it is given (by body) and answers what `decide` says. */
const recorder = (decide: (message: MessageExt, seenBefore: number) => ConsumeResult = () => "CONSUME_SUCCESS") =>
  Effect.gen(function*() {
    const seen = yield* Ref.make(new Map<string, Array<MessageExt>>())
    const handler = (messages: ReadonlyArray<MessageExt>) =>
      Ref.modify(seen, (m) => {
        const next = new Map(m)
        let result: ConsumeResult = "CONSUME_SUCCESS"
        for (const message of messages) {
          const before = next.get(bodyText(message)) ?? []
          next.set(bodyText(message), [...before, message])
          if (decide(message, before.length) === "RECONSUME_LATER") result = "RECONSUME_LATER"
        }
        return [result, next] as const
      })
    const distinct = Effect.map(Ref.get(seen), (m) => m.size)
    const deliveries = Effect.map(Ref.get(seen), (m) => [...m.values()].reduce((n, l) => n + l.length, 0))
    return { seen, handler, distinct, deliveries }
  })

const ordersQueues = (c: PushConsumerService) =>
  Effect.map(c.assignedQueues, (qs) => qs.filter((q) => q.topic === "Orders"))

/** How many times a pull loop put a pull off because a queue's cache was over a limit (the consumer's metric). */
const flowControlWaits = Effect.map(
  Metric.snapshot,
  (pairs) =>
    pairs.reduce(
      (n, pair) =>
        pair.metricKey.name === "rocketmq_consumer_flow_control_total" && MetricState.isCounterState(pair.metricState)
          ? n + Number(pair.metricState.count)
          : n,
      0
    )
)

/** Immediate retries: every delay level of 0 s. */
const noDelays = { broker: { messageDelayLevel: Array.from({ length: 18 }, () => "0s").join(" ") } }

describe("the push consumer", () => {
  it.scopedLive("consumes every message produced, none lost, none twice", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("Orders", 200)
      const { deliveries, distinct, handler } = yield* recorder()
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler
      })
      yield* eventually(Effect.map(distinct, (n) => n === 200), { what: "200 messages consumed", bound: "20 seconds" })
      expect((yield* ordersQueues(consumer)).length).toBe(8)
      yield* close
      expect(yield* deliveries).toBe(200)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("three consumers of a group share the queues, each queue to one, and consume everything", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const { deliveries, distinct, handler } = yield* recorder()
      const consumers = yield* Effect.forEach(
        ["c1", "c2", "c3"],
        (name) => startConsumer(name, { group: "orders_consumer", subscriptions: [{ topic: "Orders" }], handler })
      )
      const assignments = Effect.forEach(consumers, (c) => ordersQueues(c.consumer))
      yield* eventually(
        Effect.map(assignments, (all) => all.flat().length === 8 && all.every((a) => a.length >= 2)),
        { what: "the 8 queues shared among the 3 consumers", bound: "20 seconds" }
      )
      const all = (yield* assignments).flat().map(messageQueueKey)
      expect(new Set(all).size).toBe(8)
      yield* produce("Orders", 300)
      yield* eventually(Effect.map(distinct, (n) => n === 300), { what: "300 messages consumed", bound: "20 seconds" })
      yield* Effect.forEach(consumers, (c) => c.close)
      expect(yield* deliveries).toBe(300)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("a consumer that joins takes half the queues, and gives them back when it leaves", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const { handler } = yield* recorder()
      const options = { group: "orders_consumer", subscriptions: [{ topic: "Orders" }], handler }
      const first = yield* startConsumer("c1", options)
      yield* eventually(Effect.map(ordersQueues(first.consumer), (qs) => qs.length === 8), {
        what: "the first consumer holds the 8 queues",
        bound: "20 seconds"
      })
      const second = yield* startConsumer("c2", options)
      // The broker tells the group it changed; both rebalance at once (long before the 20 s period).
      yield* eventually(
        Effect.map(
          Effect.all([ordersQueues(first.consumer), ordersQueues(second.consumer)]),
          ([a, b]) => a.length === 4 && b.length === 4
        ),
        { what: "4 queues each", bound: "5 seconds" }
      )
      yield* second.close
      yield* eventually(Effect.map(ordersQueues(first.consumer), (qs) => qs.length === 8), {
        what: "the first consumer holds the 8 queues again",
        bound: "5 seconds"
      })
      yield* first.close
    }).pipe(Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("a batch asked to be consumed later comes back through the retry topic, showing its topic", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const { distinct, handler, seen } = yield* recorder((_, before) =>
        before === 0 ? "RECONSUME_LATER" : "CONSUME_SUCCESS"
      )
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler
      })
      yield* produce("Orders", 20)
      yield* eventually(
        Effect.map(Ref.get(seen), (m) => m.size === 20 && [...m.values()].every((l) => l.length === 2)),
        { what: "20 messages consumed twice each", bound: "20 seconds" }
      )
      for (const [, [first, second]] of yield* Ref.get(seen)) {
        expect(first!.reconsumeTimes).toBe(0)
        expect(second!.reconsumeTimes).toBe(1)
        expect(second!.topic).toBe("Orders")
        expect(second!.properties.RETRY_TOPIC).toBe("Orders")
      }
      expect(yield* distinct).toBe(20)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, ...noDelays }))))

  it.scopedLive("a message that keeps failing reaches the group's dead-letter topic after max reconsume times", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const { handler, seen } = yield* recorder(() => "RECONSUME_LATER")
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler,
        maxReconsumeTimes: 2
      })
      yield* produce("Orders", 1)
      const client = yield* RemotingClient
      const dlq = Effect.map(
        client.invoke(cluster.brokers[0]!.address, pull("%DLQ%orders_consumer", 0)),
        (answer) => answer.body === undefined ? [] : Either.getOrElse(decodeMessages(answer.body), () => [])
      ).pipe(Effect.orElseSucceed(() => []))
      yield* eventually(Effect.map(dlq, (messages) => messages.length === 1), {
        what: "the message in the dead-letter topic",
        bound: "20 seconds"
      })
      // Consumed 3 times: the first delivery and 2 reconsumes; then moved to the DLQ.
      expect((yield* Ref.get(seen)).get("m-0")!.map((m) => m.reconsumeTimes)).toEqual([0, 1, 2])
      expect(bodyText((yield* dlq)[0]!)).toBe("m-0")
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, ...noDelays }))))

  it.scopedLive("a restarted consumer resumes from its committed offset: nothing lost, nothing consumed twice", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const { deliveries, distinct, handler } = yield* recorder()
      const options = { group: "orders_consumer", subscriptions: [{ topic: "Orders" }], handler }
      const first = yield* startConsumer("c1", options)
      yield* produce("Orders", 100, "a")
      yield* eventually(Effect.map(distinct, (n) => n === 100), { what: "the first 100 consumed", bound: "20 seconds" })
      yield* first.close
      yield* produce("Orders", 100, "b")
      const second = yield* startConsumer("c1", options)
      yield* eventually(Effect.map(distinct, (n) => n === 200), { what: "all 200 consumed", bound: "20 seconds" })
      yield* second.close
      expect(yield* deliveries).toBe(200)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("flow control: a slow handler never lets a queue's cache grow past its limit", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 300)
      const consumed = yield* Ref.make(0)
      // The handlers are held until the test opens the gate: as slow as can be, then as quick.
      const gate = yield* Effect.makeLatch(false)
      const waitsBefore = yield* flowControlWaits
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler: () => gate.whenOpen(Effect.as(Ref.update(consumed, (n) => n + 1), "CONSUME_SUCCESS")),
        concurrency: 2,
        pullBatchSize: 10,
        pullThresholdForQueue: 50
      })
      const largestCache = Effect.map(
        consumer.queueStates,
        (states) => states.reduce((n, s) => Math.max(n, s.cachedMessageCount), 0)
      )
      // Nothing is consumed: the cache fills past its limit, and then the pull loop puts its pulls off.
      yield* eventually(Effect.map(flowControlWaits, (n) => n > waitsBefore), {
        what: "the pull loop put a pull off, the queue's cache being over its limit",
        bound: "20 seconds"
      })
      const held = yield* largestCache
      expect(held).toBeGreaterThan(50)
      // Java checks the limit before each pull: at most the limit plus one pull batch.
      expect(held).toBeLessThanOrEqual(50 + 10)
      expect(yield* Ref.get(consumed)).toBe(0)
      yield* gate.open
      let peak = held
      yield* eventually(
        Effect.gen(function*() {
          peak = Math.max(peak, yield* largestCache)
          return (yield* Ref.get(consumed)) === 300
        }),
        { what: "the 300 messages consumed", bound: "30 seconds" }
      )
      expect(peak).toBeLessThanOrEqual(50 + 10)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("orderly: per-queue order holds while consumers join and leave, no queue consumed by two at once", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const log = yield* Ref.make<
        Array<{ readonly consumer: string; readonly queue: string; readonly offset: number }>
      >([])
      const active = new Map<string, string>()
      let overlaps = 0
      // Each batch is held until the test lets it go, once every fiber ready to run has run: a batch of the same
      // queue started meanwhile, by either consumer, would be seen as an overlap.
      const holding = yield* Queue.unbounded<Deferred.Deferred<void>>()
      yield* Effect.forkScoped(Effect.forever(
        Effect.flatMap(
          Queue.take(holding),
          (held) => Effect.zipRight(fibersSettle(), Deferred.succeed(held, undefined))
        )
      ))
      const handlerOf =
        (name: string) => (messages: ReadonlyArray<MessageExt>, context: { readonly queue: MessageQueue }) =>
          Effect.gen(function*() {
            const key = messageQueueKey(context.queue)
            if (active.has(key)) overlaps++
            active.set(key, name)
            const release = yield* Deferred.make<void>()
            yield* Queue.offer(holding, release)
            yield* Deferred.await(release)
            active.delete(key)
            yield* Ref.update(
              log,
              (l) => [...l, ...messages.map((m) => ({ consumer: name, queue: key, offset: m.queueOffset }))]
            )
            return "CONSUME_SUCCESS" as const
          })
      const options = (name: string) => ({
        group: "orders_orderly",
        subscriptions: [{ topic: "Orders" }],
        handler: handlerOf(name),
        orderly: true
      })
      const first = yield* startConsumer("o1", options("o1"))
      yield* produce("Orders", 200, "a")
      const second = yield* startConsumer("o2", options("o2"))
      yield* produce("Orders", 200, "b")
      yield* eventually(
        Effect.map(Ref.get(log), (l) => new Set(l.map((e) => `${e.queue}@${e.offset}`)).size === 400),
        { what: "the 400 messages of a and b consumed", bound: "30 seconds" }
      )
      yield* second.close
      yield* produce("Orders", 100, "c")
      yield* eventually(
        Effect.map(Ref.get(log), (l) => new Set(l.map((e) => `${e.queue}@${e.offset}`)).size === 500),
        { what: "the 500 messages consumed", bound: "30 seconds" }
      )
      yield* first.close
      expect(overlaps).toBe(0)
      // Within each consumer's run of a queue, offsets only go up.
      const byQueue = new Map<string, Array<{ consumer: string; offset: number }>>()
      for (const e of yield* Ref.get(log)) byQueue.set(e.queue, [...(byQueue.get(e.queue) ?? []), e])
      for (const entries of byQueue.values()) {
        for (let i = 1; i < entries.length; i++) {
          if (entries[i]!.consumer === entries[i - 1]!.consumer) {
            expect(entries[i]!.offset).toBeGreaterThan(entries[i - 1]!.offset)
          }
        }
      }
      const lockRequests = (yield* cluster.receivedRequests("broker-a")).filter((r) =>
        r.code === RequestCode.LOCK_BATCH_MQ
      )
      expect(lockRequests.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
