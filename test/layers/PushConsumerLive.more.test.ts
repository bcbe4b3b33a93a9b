import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Deferred, Effect, Either, Layer, Ref, Stream, TestClock } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as PushConsumerLive from "../../src/layers/PushConsumerLive.js"
import { PushConsumer } from "../../src/layers/PushConsumerStream.js"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { ConsumerRunningInfo } from "../../src/protocol/bodies/ConsumerRunningInfo.js"
import {
  ConsumeMessageDirectlyResult,
  formatOffsetTable,
  parseOffsetTable
} from "../../src/protocol/bodies/OffsetTableBody.js"
import { encodeHeader } from "../../src/protocol/headers/CommandHeader.js"
import {
  QueryConsumerOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../src/protocol/headers/ConsumeHeaders.js"
import { decodeMessages, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { bodyText, clientStack, eventually, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { pull, withCluster } from "../support/EmbeddedClient.js"

const noDelays = { broker: { messageDelayLevel: Array.from({ length: 18 }, () => "0s").join(" ") } }
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 100)))

const committedOffset = (group: string, topic: string, queueId: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const extFields = Either.getOrThrow(
      encodeHeader(QueryConsumerOffsetRequestHeader, { consumerGroup: group, topic, queueId })
    )
    const answer = yield* client.invoke(
      cluster.brokers[0]!.address,
      request(RequestCode.QUERY_CONSUMER_OFFSET, extFields)
    )
    return Number(answer.extFields?.offset ?? -1)
  })

describe("the push consumer, more", () => {
  it.scopedLive("broadcasting gives every message to every consumer and resumes from the local offsets file", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("News", { readQueueNums: 2, writeQueueNums: 2 })
      const dir = mkdtempSync(join(tmpdir(), "offsets-"))
      const got = yield* Ref.make(new Map<string, Array<string>>())
      const options = (name: string) => ({
        group: "news_readers",
        subscriptions: [{ topic: "News" }],
        messageModel: "BROADCASTING" as const,
        localOffsetStoreDir: dir,
        handler: (messages: ReadonlyArray<MessageExt>) =>
          Effect.as(
            Ref.update(got, (m) => new Map(m).set(name, [...(m.get(name) ?? []), ...messages.map(bodyText)])),
            "CONSUME_SUCCESS" as const
          )
      })
      const b1 = yield* startConsumer("b1", options("b1"))
      const b2 = yield* startConsumer("b2", options("b2"))
      yield* eventually(Effect.map(b2.consumer.assignedQueues, (qs) => qs.length === 2))
      yield* eventually(Effect.map(b1.consumer.assignedQueues, (qs) => qs.length === 2))
      yield* produce("News", 40, "first")
      const countOf = (name: string) => Effect.map(Ref.get(got), (m) => m.get(name)?.length ?? 0)
      yield* eventually(Effect.map(Effect.all([countOf("b1"), countOf("b2")]), ([a, b]) => a === 40 && b === 40))
      yield* b1.close
      const file = join(dir, "10.0.0.7@b1", "news_readers", "offsets.json")
      const stored = Either.getOrThrow(parseOffsetTable(readFileSync(file, "utf8")))
      expect(stored.reduce((sum, [, offset]) => sum + offset, 0)).toBe(40)
      yield* produce("News", 10, "second")
      const again = yield* startConsumer("b1", options("b1"))
      yield* eventually(Effect.map(countOf("b1"), (n) => n === 50))
      yield* eventually(Effect.map(countOf("b2"), (n) => n === 50))
      const b1Bodies = (yield* Ref.get(got)).get("b1")!
      expect(new Set(b1Bodies).size).toBe(50) // resumed from the file: nothing consumed twice
      yield* again.close
      yield* b2.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("closing waits for handlers in flight and commits what they completed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 4)
      const started = yield* Ref.make(0)
      const done = yield* Ref.make(0)
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        concurrency: 4,
        handler: () =>
          Effect.gen(function*() {
            yield* Ref.update(started, (n) => n + 1)
            yield* Effect.sleep("300 millis")
            yield* Ref.update(done, (n) => n + 1)
            return "CONSUME_SUCCESS" as const
          })
      })
      yield* eventually(Effect.map(Ref.get(started), (n) => n === 4))
      expect(yield* Ref.get(done)).toBe(0)
      yield* close
      expect(yield* Ref.get(done)).toBe(4)
      expect(yield* committedOffset("orders_consumer", "Orders", 0)).toBe(4)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("past the shutdown deadline a handler is interrupted and its message is not committed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 4)
      const never = yield* Deferred.make<void>()
      const completed = yield* Ref.make(new Set<string>())
      const options = (stuck: boolean) => ({
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        concurrency: 4,
        shutdownTimeout: "300 millis" as const,
        handler: (messages: ReadonlyArray<MessageExt>) =>
          Effect.gen(function*() {
            if (stuck && bodyText(messages[0]!) === "m-2") yield* Deferred.await(never)
            yield* Ref.update(completed, (s) => new Set(s).add(bodyText(messages[0]!)))
            return "CONSUME_SUCCESS" as const
          })
      })
      const first = yield* startConsumer("c1", options(true))
      yield* eventually(Effect.map(Ref.get(completed), (s) => s.size === 3))
      yield* first.close
      // m-2 (offset 2) was in flight: the offset stops there.
      expect(yield* committedOffset("orders_consumer", "Orders", 0)).toBe(2)
      yield* Ref.set(completed, new Set())
      const second = yield* startConsumer("c1", options(false))
      yield* eventually(Effect.map(Ref.get(completed), (s) => s.has("m-2")))
      expect([...(yield* Ref.get(completed))].sort()).toEqual(["m-2", "m-3"])
      yield* second.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("a handler still running past the consume timeout is interrupted and its message sent back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const tries = yield* Ref.make<Array<number>>([])
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        consumeTimeout: "200 millis",
        handler: (messages) =>
          Effect.gen(function*() {
            yield* Ref.update(tries, (t) => [...t, messages[0]!.reconsumeTimes])
            if (messages[0]!.reconsumeTimes === 0) yield* Effect.never
            return "CONSUME_SUCCESS" as const
          })
      })
      yield* produce("Orders", 1)
      yield* eventually(Effect.map(Ref.get(tries), (t) => t.length === 2))
      expect(yield* Ref.get(tries)).toEqual([0, 1])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, ...noDelays }))))

  it.scopedLive("answers the broker's GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY and RESET_CONSUMER_CLIENT_OFFSET", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 5)
      const bodies = yield* Ref.make<Array<string>>([])
      const { close, consumer, handlers } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders", expression: "TagA" }],
        handler: (messages) =>
          Effect.as(Ref.update(bodies, (b) => [...b, ...messages.map(bodyText)]), "CONSUME_SUCCESS")
      })
      yield* eventually(Effect.map(Ref.get(bodies), (b) => b.length === 5))
      const context = { address: cluster.brokers[0]!.address }

      const info = yield* handlers.lookup(RequestCode.GET_CONSUMER_RUNNING_INFO)!(
        request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "orders_consumer", clientId: "10.0.0.7@c1" }),
        context
      )
      expect(info!.code).toBe(ResponseCode.SUCCESS)
      const running = Either.getOrThrow(decodeBody(ConsumerRunningInfo, info!.body))
      expect(running.subscriptionSet.map((s) => s.topic).sort()).toEqual(["%RETRY%orders_consumer", "Orders"])
      const orders = running.mqTable.find((e) => e.messageQueue.topic === "Orders")!
      expect(orders.info.commitOffset).toBe(5)
      expect(running.statusTable.Orders!.consumeOKTPS).toBeGreaterThan(0)
      const unknown = yield* handlers.lookup(RequestCode.GET_CONSUMER_RUNNING_INFO)!(
        request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "nobody", clientId: "x" }),
        context
      )
      expect(unknown!.code).toBe(ResponseCode.SYSTEM_ERROR)

      const client = yield* RemotingClient
      const stored = (yield* client.invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!
      const direct = yield* handlers.lookup(RequestCode.CONSUME_MESSAGE_DIRECTLY)!(
        request(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "orders_consumer", brokerName: "broker-a" }, {
          body: stored
        }),
        context
      )
      expect(Either.getOrThrow(decodeBody(ConsumeMessageDirectlyResult, direct!.body)).consumeResult).toBe("CR_SUCCESS")
      expect((yield* Ref.get(bodies)).length).toBe(6)

      // Reset to offset 3: m-3 and m-4 are consumed again.
      yield* handlers.lookup(RequestCode.RESET_CONSUMER_CLIENT_OFFSET)!(
        request(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
          topic: "Orders",
          group: "orders_consumer",
          timestamp: "0",
          isForce: "true"
        }, { body: Buffer.from(formatOffsetTable([[{ topic: "Orders", brokerName: "broker-a", queueId: 0 }, 3]])) }),
        context
      )
      yield* eventually(Effect.map(Ref.get(bodies), (b) => b.length === 8))
      expect((yield* Ref.get(bodies)).slice(6)).toEqual(["m-3", "m-4"])
      expect((yield* consumer.queueStates).find((s) => s.queue.topic === "Orders")!.commitOffset).toBe(5)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("rebalances every 20 s: queues added to a topic are taken without any notification", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler: () => Effect.succeed("CONSUME_SUCCESS" as const)
      })
      yield* settle
      const orders = Effect.map(consumer.assignedQueues, (qs) => qs.filter((q) => q.topic === "Orders").length)
      expect(yield* orders).toBe(2)
      const listRequests = Effect.map(
        cluster.receivedRequests("broker-a"),
        (all) => all.filter((r) => r.code === RequestCode.GET_CONSUMER_LIST_BY_GROUP).length
      )
      const before = yield* listRequests
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* TestClock.adjust("19 seconds")
      yield* settle
      expect(yield* listRequests).toBe(before)
      expect(yield* orders).toBe(2)
      yield* TestClock.adjust("1 second") // 20 s: a rebalance, but the route is refreshed only at 30 s
      yield* settle
      expect(yield* listRequests).toBeGreaterThan(before)
      yield* TestClock.adjust("20 seconds") // 40 s: the route of 30 s shows 4 queues; this rebalance takes them
      yield* settle
      expect(yield* orders).toBe(4)
      yield* close
    }).pipe(Effect.provide(withCluster({ brokers: 1 }))))
})

describe("the push consumer as a stream", () => {
  it.scopedLive("hands messages over one at a time; one counts as consumed when the next is asked for", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 5)
      const read = (n: number) =>
        PushConsumer.stream({ group: "streamers", subscriptions: [{ topic: "Orders" }], concurrency: 1 }).pipe(
          Stream.take(n),
          Stream.map(bodyText),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray),
          Effect.provide(clientStack("s1")),
          Effect.provide(NodeFileSystem.layer)
        )
      expect(yield* read(3)).toEqual(["m-0", "m-1", "m-2"])
      // m-2 was taken but the next was never asked for: it comes again.
      expect(yield* read(3)).toEqual(["m-2", "m-3", "m-4"])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})

describe("the push consumer, orderly failures and concurrency", () => {
  it.scopedLive("orderly: a failing message is retried in place, keeps its queue waiting, then goes to the DLQ", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 3)
      const log = yield* Ref.make<Array<string>>([])
      const { close } = yield* startConsumer("o1", {
        group: "orders_orderly",
        subscriptions: [{ topic: "Orders" }],
        orderly: true,
        maxReconsumeTimes: 2,
        suspendCurrentQueueTime: "10 millis" as const,
        handler: (messages) =>
          Effect.gen(function*() {
            const m = messages[0]!
            yield* Ref.update(log, (l) => [...l, `${bodyText(m)}#${m.reconsumeTimes}`])
            return bodyText(m) === "m-0" ? "RECONSUME_LATER" as const : "CONSUME_SUCCESS" as const
          })
      })
      yield* eventually(Effect.map(Ref.get(log), (l) => l.includes("m-2#0")))
      // m-0 three times (the queue waits for it), then the DLQ; only then m-1 and m-2, in order.
      expect(yield* Ref.get(log)).toEqual(["m-0#0", "m-0#1", "m-0#2", "m-1#0", "m-2#0"])
      const client = yield* RemotingClient
      const dlq = yield* client.invoke(cluster.brokers[0]!.address, pull("%DLQ%orders_orderly", 0))
      expect(Either.getOrThrow(decodeMessages(dlq.body!)).map(bodyText)).toEqual(["m-0"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("a new concurrency is applied by the client instance's task within a minute", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        concurrency: 20,
        handler: () => Effect.succeed("CONSUME_SUCCESS" as const)
      })
      yield* consumer.setConcurrency(4)
      expect(yield* consumer.concurrency).toBe(20)
      yield* TestClock.adjust("59 seconds")
      expect(yield* consumer.concurrency).toBe(20)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(yield* consumer.concurrency).toBe(4)
      const info = yield* consumer.runningInfo
      expect(info.properties.PROP_THREADPOOL_CORE_SIZE).toBe("4")
      yield* close
    }).pipe(Effect.provide(withCluster({ brokers: 1 }))))
})

describe("the push consumer, illegal offsets", () => {
  it.scoped("a stored offset past the queue's end is corrected as Java does: dropped, stored, taken again", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 5)
      const client = yield* RemotingClient
      yield* client.invoke(
        cluster.brokers[0]!.address,
        request(
          RequestCode.UPDATE_CONSUMER_OFFSET,
          Either.getOrThrow(encodeHeader(UpdateConsumerOffsetRequestHeader, {
            consumerGroup: "orders_consumer",
            topic: "Orders",
            queueId: 0,
            commitOffset: 100
          }))
        )
      )
      const got = yield* Ref.make<Array<string>>([])
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler: (messages) => Effect.as(Ref.update(got, (g) => [...g, ...messages.map(bodyText)]), "CONSUME_SUCCESS")
      })
      yield* settle
      expect(yield* Ref.get(got)).toEqual([])
      // Java waits 10 s, stores the broker's corrected offset (0 here) and drops the queue...
      yield* TestClock.adjust("10 seconds")
      yield* settle
      expect(yield* committedOffset("orders_consumer", "Orders", 0)).toBe(0)
      // ...which the next rebalance (every 20 s) takes again from there.
      yield* TestClock.adjust("10 seconds")
      yield* settle
      expect([...(yield* Ref.get(got))].sort()).toEqual(["m-0", "m-1", "m-2", "m-3", "m-4"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})

/** A service of the handler's own, which the consumer's layer is given. */
class Seen extends Context.Tag("test/Seen")<Seen, Ref.Ref<Array<string>>>() {}

describe("the push consumer's handler services", () => {
  it.scopedLive("reach the handler on the consumer's workers and in a message the broker asks to consume directly", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 3)
      const seen = yield* Ref.make<Array<string>>([])
      const context = yield* Layer.build(
        PushConsumerLive.layer({
          group: "orders_consumer",
          subscriptions: [{ topic: "Orders" }],
          handler: (messages) =>
            Effect.flatMap(
              Seen,
              (ref) => Effect.as(Ref.update(ref, (b) => [...b, ...messages.map(bodyText)]), "CONSUME_SUCCESS" as const)
            )
        }).pipe(
          Layer.provide(Layer.succeed(Seen, seen)),
          Layer.provideMerge(clientStack("c1")),
          Layer.provide(NodeFileSystem.layer)
        )
      )
      yield* eventually(Effect.map(Ref.get(seen), (b) => b.length === 3))
      const client = yield* RemotingClient
      const stored = (yield* client.invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!
      // Answered from the remoting handler's fiber, which has no `Seen` of its own.
      const direct = yield* Context.get(context, RequestHandlers).lookup(RequestCode.CONSUME_MESSAGE_DIRECTLY)!(
        request(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "orders_consumer", brokerName: "broker-a" }, {
          body: stored
        }),
        { address: cluster.brokers[0]!.address }
      )
      expect(Either.getOrThrow(decodeBody(ConsumeMessageDirectlyResult, direct!.body)).consumeResult).toBe("CR_SUCCESS")
      expect((yield* Ref.get(seen)).sort()).toEqual(["m-0", "m-0", "m-1", "m-2"])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
