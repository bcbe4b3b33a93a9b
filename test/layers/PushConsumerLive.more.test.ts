import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Context,
  Deferred,
  Effect,
  Either,
  Exit,
  Fiber,
  Layer,
  Logger,
  Ref,
  Scope,
  Stream,
  TestClock
} from "effect"
import { readFileSync } from "node:fs"
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
import { bodyText, clientStack, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../support/Eventually.js"
import { tempDir } from "../support/TempDir.js"

const noDelays = { broker: { messageDelayLevel: Array.from({ length: 18 }, () => "0s").join(" ") } }

/** A logger that keeps what is logged instead of printing it. */
const keptLogs = Effect.sync(() => {
  const logs: Array<{ readonly level: string; readonly message: string }> = []
  return {
    logs: Effect.sync(() => [...logs]),
    layer: Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ logLevel, message }) => {
        logs.push({
          level: logLevel.label,
          message: (Array.isArray(message) ? message : [message]).map(String).join(" ")
        })
      })
    )
  }
})

/** Waits until a sleep on the TestClock ending `millis` from now has been added (to the `before` counted earlier). */
const asleepFor = (millis: number, before: number, what: string) =>
  eventually(Effect.map(sleepsEndingIn(millis), (n) => n > before), { what, bound: "20 seconds" })

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
      const dir = yield* tempDir("offsets-")
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
      yield* eventually(Effect.map(b2.consumer.assignedQueues, (qs) => qs.length === 2), {
        what: "b2 holds both queues"
      })
      yield* eventually(Effect.map(b1.consumer.assignedQueues, (qs) => qs.length === 2), {
        what: "b1 holds both queues"
      })
      yield* produce("News", 40, "first")
      const countOf = (name: string) => Effect.map(Ref.get(got), (m) => m.get(name)?.length ?? 0)
      yield* eventually(Effect.map(Effect.all([countOf("b1"), countOf("b2")]), ([a, b]) => a === 40 && b === 40), {
        what: "40 messages to each consumer",
        bound: "20 seconds"
      })
      yield* b1.close
      const file = join(dir, "10.0.0.7@b1", "news_readers", "offsets.json")
      const stored = Either.getOrThrow(parseOffsetTable(readFileSync(file, "utf8")))
      expect(stored.reduce((sum, [, offset]) => sum + offset, 0)).toBe(40)
      yield* produce("News", 10, "second")
      const again = yield* startConsumer("b1", options("b1"))
      yield* eventually(Effect.map(countOf("b1"), (n) => n === 50), { what: "b1 has 50", bound: "20 seconds" })
      yield* eventually(Effect.map(countOf("b2"), (n) => n === 50), { what: "b2 has 50", bound: "20 seconds" })
      const b1Bodies = (yield* Ref.get(got)).get("b1")!
      expect(new Set(b1Bodies).size).toBe(50) // resumed from the file: nothing consumed twice
      yield* again.close
      yield* b2.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("closing waits for handlers in flight and commits what they completed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 4)
      const started = yield* Ref.make(0)
      const done = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        concurrency: 4,
        shutdownTimeout: "30 seconds",
        handler: () =>
          Effect.gen(function*() {
            yield* Ref.update(started, (n) => n + 1)
            yield* Deferred.await(release)
            yield* Ref.update(done, (n) => n + 1)
            return "CONSUME_SUCCESS" as const
          })
      })
      yield* eventually(Effect.map(Ref.get(started), (n) => n === 4), { what: "4 handlers started" })
      const deadlines = yield* sleepsEndingIn(30_000)
      const closing = yield* Effect.fork(Effect.zipRight(close, Ref.get(done)))
      // Closing waits for the handlers, up to its 30 s deadline (on the TestClock, which does not move here).
      yield* asleepFor(30_000, deadlines, "closing waits for the handlers in flight, up to its deadline")
      yield* fibersSettle()
      expect(closing.unsafePoll()).toBeNull()
      expect(yield* Ref.get(done)).toBe(0)
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(closing)).toBe(4) // every handler had completed when closing was done
      expect(yield* committedOffset("orders_consumer", "Orders", 0)).toBe(4)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("past the shutdown deadline a handler is interrupted and its message is not committed", () =>
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
      yield* eventually(Effect.map(Ref.get(completed), (s) => s.size === 3), { what: "3 messages completed" })
      // A round of our own: it waits for the start's round to end, so that no round runs when closing begins and the
      // only deadline of the close is the handlers' drain.
      yield* first.consumer.rebalance
      const deadlines = yield* sleepsEndingIn(300)
      const closing = yield* Effect.fork(first.close)
      yield* asleepFor(300, deadlines, "closing waits for the stuck handler, up to its deadline")
      yield* TestClock.adjust("300 millis")
      yield* Fiber.join(closing)
      expect(yield* Ref.get(completed)).toEqual(new Set(["m-0", "m-1", "m-3"]))
      // m-2 (offset 2) was in flight: the offset stops there.
      expect(yield* committedOffset("orders_consumer", "Orders", 0)).toBe(2)
      yield* Ref.set(completed, new Set())
      const second = yield* startConsumer("c1", options(false))
      yield* eventually(Effect.map(Ref.get(completed), (s) => s.has("m-2")), { what: "m-2 consumed again" })
      expect([...(yield* Ref.get(completed))].sort()).toEqual(["m-2", "m-3"])
      yield* second.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("a handler still running past the consume timeout is interrupted and its message sent back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const tries = yield* Ref.make<Array<number>>([])
      const interrupted = yield* Deferred.make<void>()
      const kept = yield* keptLogs
      const { close } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        consumeTimeout: "200 millis",
        handler: (messages) =>
          Effect.gen(function*() {
            yield* Ref.update(tries, (t) => [...t, messages[0]!.reconsumeTimes])
            if (messages[0]!.reconsumeTimes === 0) {
              yield* Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
            }
            return "CONSUME_SUCCESS" as const
          })
      }).pipe(Effect.provide(kept.layer))
      yield* produce("Orders", 1)
      yield* eventually(Effect.map(Ref.get(tries), (t) => t.length === 2), { what: "the message consumed again" })
      expect(yield* Ref.get(tries)).toEqual([0, 1])
      yield* eventually(Deferred.isDone(interrupted), { what: "the first try's handler interrupted" })
      yield* close
      expect((yield* kept.logs).filter((l) => l.level === "WARN" || l.level === "ERROR")).toEqual([
        { level: "WARN", message: "a batch ran past the consume timeout; it is sent back" }
      ])
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
      yield* eventually(Effect.map(Ref.get(bodies), (b) => b.length === 5), { what: "the 5 messages consumed" })
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
      yield* eventually(Effect.map(Ref.get(bodies), (b) => b.length === 8), { what: "m-3 and m-4 consumed again" })
      expect((yield* Ref.get(bodies)).slice(6)).toEqual(["m-3", "m-4"])
      expect((yield* consumer.queueStates).find((s) => s.queue.topic === "Orders")!.commitOffset).toBe(5)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("rebalances every 20 s: queues added to a topic are taken without any notification", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const rebalanceTimers = yield* sleepsEndingIn(20_000)
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler: () => Effect.succeed("CONSUME_SUCCESS" as const)
      })
      const orders = Effect.map(consumer.assignedQueues, (qs) => qs.filter((q) => q.topic === "Orders").length)
      yield* eventually(Effect.map(orders, (n) => n === 2), { what: "the 2 queues taken at start" })
      // The rebalance service waits for its next turn, 20 s on.
      yield* asleepFor(20_000, rebalanceTimers, "the rebalance service asleep until 20 s")
      const listRequests = Effect.map(
        cluster.receivedRequests("broker-a"),
        (all) => all.filter((r) => r.code === RequestCode.GET_CONSUMER_LIST_BY_GROUP).length
      )
      // Starting asks for the group 4 times, all at time 0 (the start's rebalances, and those the broker's change
      // notifications bring): all awaited, so that none comes after `before` is counted.
      yield* eventually(Effect.map(listRequests, (n) => n === 4), { what: "the 4 group lookups of the start" })
      yield* fibersSettle()
      const before = yield* listRequests
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* TestClock.adjust("19 seconds")
      // 19 s: the rebalance service still waits for its turn (1 s on), and no rebalance has asked for the group.
      yield* asleepFor(1_000, 0, "the rebalance service still asleep until 20 s")
      yield* fibersSettle()
      expect(yield* listRequests).toBe(before)
      expect(yield* orders).toBe(2)
      yield* TestClock.adjust("1 second") // 20 s: a rebalance, but the route is refreshed only at 30 s
      yield* eventually(Effect.map(listRequests, (n) => n > before), {
        what: "the rebalance of 20 s asked for the group"
      })
      yield* TestClock.adjust("20 seconds") // 40 s: the route of 30 s shows 4 queues; this rebalance takes them
      yield* eventually(Effect.map(orders, (n) => n === 4), { what: "the rebalance of 40 s took the 4 queues" })
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
      yield* eventually(Effect.map(Ref.get(log), (l) => l.includes("m-2#0")), { what: "m-2 consumed" })
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
      yield* eventually(Effect.map(consumer.concurrency, (n) => n === 4), { what: "the concurrency of 4 applied" })
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
      const kept = yield* keptLogs
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler: (messages) => Effect.as(Ref.update(got, (g) => [...g, ...messages.map(bodyText)]), "CONSUME_SUCCESS")
      }).pipe(Effect.provide(kept.layer))
      // The pull from offset 100 is answered OFFSET_ILLEGAL: the pull loop says so, then waits 10 s on the TestClock.
      const illegal = { level: "WARN", message: "the pull offset is illegal; the queue is dropped and taken again" }
      yield* eventually(Effect.map(kept.logs, (logs) => logs.some((l) => l.message === illegal.message)), {
        what: "the pull loop told of the illegal offset"
      })
      yield* fibersSettle()
      expect(yield* Ref.get(got)).toEqual([])
      // Java waits 10 s, stores the broker's corrected offset (0 here) and drops the queue...
      yield* TestClock.adjust("10 seconds")
      yield* eventually(Effect.map(committedOffset("orders_consumer", "Orders", 0), (offset) => offset === 0), {
        what: "the corrected offset stored on the broker"
      })
      yield* eventually(Effect.map(consumer.assignedQueues, (qs) => !qs.some((q) => q.topic === "Orders")), {
        what: "the queue dropped"
      })
      // ...which the next rebalance (every 20 s; a start's rounds may have run later than time 0) takes again from there.
      yield* TestClock.adjust("20 seconds")
      yield* eventually(Effect.map(Ref.get(got), (g) => g.length === 5), { what: "the 5 messages consumed" })
      expect([...(yield* Ref.get(got))].sort()).toEqual(["m-0", "m-1", "m-2", "m-3", "m-4"])
      yield* close
      expect((yield* kept.logs).filter((l) => l.level === "WARN" || l.level === "ERROR")).toEqual([illegal])
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
      // The consumer closes before the cluster it talks to (its scope closed at the end of the test body).
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
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
        ),
        scope
      )
      yield* eventually(Effect.map(Ref.get(seen), (b) => b.length === 3), { what: "the 3 messages consumed" })
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
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
