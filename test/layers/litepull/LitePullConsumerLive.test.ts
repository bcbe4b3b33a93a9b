import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Stream, TestClock } from "effect"
import { LitePullConsumer } from "../../../src/layers/LitePullConsumerStream.js"
import { decodeBody } from "../../../src/protocol/bodies/Body.js"
import { ConsumerRunningInfo } from "../../../src/protocol/bodies/ConsumerRunningInfo.js"
import { formatOffsetTable } from "../../../src/protocol/bodies/OffsetTableBody.js"
import { messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import { request } from "../../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { bodyText, clientStack, produce, producerLayer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { eventually, sleepsEndingIn } from "../../support/Eventually.js"
import {
  brokerCommits,
  messagesOf,
  offsetsByQueue,
  pollBatches,
  queuesOf,
  startLitePull
} from "../../support/LitePullStack.js"
import { tempDir } from "../../support/TempDir.js"

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe("the lite pull consumer", () => {
  it.scoped("subscribe: every message once, at most pullBatchSize a poll, in offset order per queue", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("Orders", 120)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "orders_pull",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
      })
      yield* consumer.subscribe("Orders", "*")
      const batches = yield* pollBatches(consumer, 120)
      expect(batches.every((b) => b.messages.length >= 1 && b.messages.length <= 10)).toBe(true)
      expect(new Set(messagesOf(batches).map(bodyText)).size).toBe(120)
      for (const offsets of offsetsByQueue(batches).values()) expect(offsets).toEqual(range(0, offsets.length))
      expect((yield* consumer.assignment).length).toBe(8)
      const info = yield* consumer.runningInfo
      expect(info.properties.PROP_CONSUME_TYPE).toBe("CONSUME_ACTIVELY")
      expect(info.subscriptionSet.map((s) => s.topic)).toEqual(["Orders"])
      yield* consumer.unsubscribe("Orders")
      expect(yield* consumer.assignment).toEqual([])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scoped("two consumers of a group split the queues; a queue moves only once its offset is committed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("Orders", 80)
      const options = { group: "split_pull", subscriptions: [{ topic: "Orders" }] }
      const first = yield* startLitePull("c1", { ...options, consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" })
      const handed = yield* pollBatches(first.consumer, 80)
      const second = yield* startLitePull("c2", options)
      yield* eventually(
        Effect.map(
          Effect.all([first.consumer.assignment, second.consumer.assignment]),
          ([a, b]) => a.length === 4 && b.length === 4
        ),
        { what: "4 queues each", bound: "10 seconds" }
      )
      const mine = new Set((yield* first.consumer.assignment).map(messageQueueKey))
      const theirs = (yield* second.consumer.assignment).map(messageQueueKey)
      expect(theirs.some((k) => mine.has(k))).toBe(false)
      // The queues that moved were committed (auto-commit) at what c1 had handed out, before c1 let them go.
      const handedOut = new Map([...offsetsByQueue(handed)].map(([k, offsets]) => [k, Math.max(...offsets) + 1]))
      expect(theirs.every((key) => handedOut.has(key))).toBe(true)
      // (UPDATE_CONSUMER_OFFSET goes oneway, as Java's persist sends it: awaited on the broker.)
      yield* eventually(
        Effect.map(brokerCommits("split_pull"), (commits) => theirs.every((k) => commits.get(k) === handedOut.get(k))),
        { what: "the moved queues committed at what c1 handed out" }
      )
      // c2 reads what is sent to its queues now (and, RocketMQ's rebalance being a race, maybe again what c1 had
      // handed out, if it asked for the offsets before c1's commit arrived: duplicates, never loss).
      yield* produce("Orders", 40, "n")
      const fresh = new Set<string>()
      while (fresh.size < 20) {
        for (const m of yield* second.consumer.poll("30 seconds")) {
          if (bodyText(m).startsWith("n-")) fresh.add(bodyText(m))
        }
      }
      // When c2 leaves, c1 takes its queues back.
      yield* second.close
      yield* eventually(Effect.map(first.consumer.assignment, (qs) => qs.length === 8), {
        what: "c1 holds the 8 queues again",
        bound: "10 seconds"
      })
      yield* first.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))

  it.scoped("assign: exactly the queues given, from their committed offset; subscribe after assign is refused", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 40)
      const [q0] = yield* queuesOf("Orders", 2)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "assign_pull",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        autoCommit: false
      })
      expect((yield* consumer.fetchMessageQueues("Orders")).length).toBe(2)
      expect((yield* consumer.fetchMessageQueues("NoSuchTopic")).length).toBe(0)
      yield* consumer.assign([q0!])
      const batches = yield* pollBatches(consumer, 20)
      expect(batches.every((b) => messageQueueKey(b.queue) === messageQueueKey(q0!))).toBe(true)
      expect(offsetsByQueue(batches).get(messageQueueKey(q0!))).toEqual(range(0, 20))
      const conflict = yield* Effect.either(consumer.subscribe("Orders"))
      expect(Either.isLeft(conflict) && conflict.left._tag).toBe("SubscriptionConflictError")
      const empty = yield* Effect.either(consumer.assign([]))
      expect(Either.isLeft(empty) && empty.left._tag).toBe("LitePullArgumentError")
      const both = yield* Effect.either(
        startLitePull("c9", { group: "both_pull", subscriptions: [{ topic: "Orders" }], assignedQueues: [q0!] })
      )
      expect(Either.isLeft(both) && both.left._tag).toBe("SubscriptionConflictError")
      // Manual commit: committed is what was committed, nothing more.
      expect(yield* consumer.committed(q0!)).toBe(0) // a new group: the broker answers 0, as 4.9 does
      yield* consumer.commit([[q0!, 12]])
      expect(yield* consumer.committed(q0!)).toBe(12)
      yield* consumer.commitSync
      expect(yield* consumer.committed(q0!)).toBe(20)
      yield* close
      // A new consumer assigned the queue starts at the committed offset.
      const next = yield* startLitePull("c2", { group: "assign_pull", assignedQueues: [q0!] })
      yield* produce("Orders", 4, "late")
      const after = yield* pollBatches(next.consumer, 1)
      expect(after[0]!.messages[0]!.queueOffset).toBe(20)
      yield* next.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("poll waits up to its timeout in virtual time, and answers nothing", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Quiet", { readQueueNums: 1, writeQueueNums: 1 })
      const { close, consumer } = yield* startLitePull("c1", {
        group: "quiet_pull",
        subscriptions: [{ topic: "Quiet" }]
      })
      const before = yield* sleepsEndingIn(3_000)
      const polling = yield* Effect.fork(consumer.poll("3 seconds"))
      yield* eventually(Effect.map(sleepsEndingIn(3_000), (n) => n > before), { what: "poll waits 3 s" })
      yield* TestClock.adjust("2999 millis")
      expect(polling.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(polling)).toEqual([])
      const negative = yield* Effect.either(consumer.poll(-1))
      expect(Either.isLeft(negative) && negative.left._tag).toBe("LitePullArgumentError")
      yield* close
    }).pipe(Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("seek to the beginning, the end, an offset and a timestamp; bad seeks are typed errors", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Log", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Log", 30, "early")
      yield* TestClock.adjust("1 minute")
      const later = 60_000
      yield* produce("Log", 20, "later")
      const [q] = yield* queuesOf("Log", 1)
      const [other] = yield* queuesOf("Other", 1)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "seek_pull",
        assignedQueues: [q!],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        autoCommit: false
      })
      const firstOffset = () => Effect.map(pollBatches(consumer, 1), (b) => b[0]!.messages[0]!.queueOffset)
      expect(yield* firstOffset()).toBe(0)
      yield* consumer.seek(q!, 25)
      expect(yield* firstOffset()).toBe(25)
      yield* consumer.seekToBegin(q!)
      expect(yield* firstOffset()).toBe(0)
      const at = yield* consumer.offsetForTimestamp(q!, later)
      expect(at).toBe(30)
      yield* consumer.seek(q!, at)
      const fromLater = yield* pollBatches(consumer, 1)
      expect(bodyText(fromLater[0]!.messages[0]!)).toBe("later-0")
      yield* consumer.seekToEnd(q!)
      expect(yield* consumer.poll(0)).toEqual([])
      yield* produce("Log", 1, "newest")
      expect(yield* firstOffset()).toBe(50)
      const beyond = yield* Effect.either(consumer.seek(q!, 52))
      expect(Either.isLeft(beyond) && beyond.left._tag).toBe("SeekOffsetError")
      const notMine = yield* Effect.either(consumer.seek(other!, 0))
      expect(Either.isLeft(notMine) && notMine.left._tag).toBe("QueueNotAssignedError")
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("a paused queue hands out nothing until it resumes; the others go on", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Two", { readQueueNums: 2, writeQueueNums: 2 })
      const [q0, q1] = yield* queuesOf("Two", 2)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "pause_pull",
        assignedQueues: [q0!, q1!],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
      })
      yield* consumer.pause([q0!])
      yield* produce("Two", 40)
      const others = yield* pollBatches(consumer, 20)
      expect(others.every((b) => messageQueueKey(b.queue) === messageQueueKey(q1!))).toBe(true)
      const polling = yield* Effect.fork(consumer.pollBatch("10 seconds"))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Fiber.join(polling)).toBeUndefined()
      yield* consumer.resume([q0!])
      yield* TestClock.adjust("1 second") // the paused loop looks again after 1 s
      const resumed = yield* pollBatches(consumer, 20)
      expect(offsetsByQueue(resumed).get(messageQueueKey(q0!))).toEqual(range(0, 20))
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("back-pressure: a slow poller never holds more than the thresholds, and nothing is dropped", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Flood", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("Flood", 400)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "flood_pull",
        subscriptions: [{ topic: "Flood" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        pullBatchSize: 5,
        pullThresholdForQueue: 20,
        pullThresholdForAll: 50
      })
      const held = Effect.map(consumer.runningInfo, (info) => info.mqTable.map((q) => q.info.cachedMsgCount))
      yield* eventually(Effect.map(held, (counts) => counts.reduce((a, b) => a + b, 0) >= 50), {
        what: "the buffer filled to the threshold",
        bound: "10 seconds"
      })
      for (let round = 0; round < 5; round++) {
        yield* TestClock.adjust("1 second")
        const counts = yield* held
        // A loop stops once over a threshold: at most one batch past it, per queue and over all.
        expect(counts.every((n) => n <= 20 + 5)).toBe(true)
        expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(50 + 5 * 4)
      }
      const batches = yield* Effect.fork(pollBatches(consumer, 400, "1 second"))
      yield* eventually(() => batches.unsafePoll() !== null, { what: "400 handed out", bound: "20 seconds" }).pipe(
        Effect.race(Effect.forever(Effect.zipRight(TestClock.adjust("50 millis"), Effect.yieldNow())))
      )
      const all = yield* Fiber.join(batches)
      expect(new Set(messagesOf(all).map(bodyText)).size).toBe(400)
      for (const offsets of offsetsByQueue(all).values()) expect(offsets).toEqual(range(0, 100))
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("auto-commit: what poll handed out is committed at a poll past the interval, and at close", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Auto", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Auto", 30)
      const [q] = yield* queuesOf("Auto", 1)
      const { close, consumer } = yield* startLitePull("c1", {
        group: "auto_pull",
        assignedQueues: [q!],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        pullBatchSize: 10
      })
      yield* pollBatches(consumer, 10) // the first poll commits at once (nothing yet), then every 5 s
      yield* pollBatches(consumer, 10)
      expect(yield* consumer.committed(q!)).toBe(0) // nothing committed: the broker answers 0 for a new group
      yield* TestClock.adjust("5 seconds")
      yield* pollBatches(consumer, 10) // commits the 20 handed out before it
      expect(yield* consumer.committed(q!)).toBe(20)
      yield* close
      expect((yield* brokerCommits("auto_pull")).get(messageQueueKey(q!))).toBe(30)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("answers GET_CONSUMER_RUNNING_INFO, and RESET_CONSUMER_CLIENT_OFFSET seeks", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 6)
      const [q] = yield* queuesOf("Orders", 1)
      const { close, consumer, handlers } = yield* startLitePull("c1", {
        group: "reset_pull",
        subscriptions: [{ topic: "Orders", expression: "TagA" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
      })
      expect(messagesOf(yield* pollBatches(consumer, 6)).map(bodyText)).toEqual(range(0, 6).map((i) => `m-${i}`))
      const context = { address: cluster.brokers[0]!.address }
      const info = yield* handlers.lookup(RequestCode.GET_CONSUMER_RUNNING_INFO)!(
        request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "reset_pull", clientId: "10.0.0.7@c1" }),
        context
      )
      const running = Either.getOrThrow(decodeBody(ConsumerRunningInfo, info!.body))
      expect(running.properties).toMatchObject({ PROP_CONSUME_TYPE: "CONSUME_ACTIVELY", pullBatchSize: "10" })
      expect(running.subscriptionSet.map((s) => [s.topic, s.subString])).toEqual([["Orders", "TagA"]])
      expect(running.mqTable.map((e) => messageQueueKey(e.messageQueue))).toEqual([messageQueueKey(q!)])

      // Reset to offset 3: m-3 to m-5 are handed out again, and the offset is committed.
      yield* handlers.lookup(RequestCode.RESET_CONSUMER_CLIENT_OFFSET)!(
        request(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
          topic: "Orders",
          group: "reset_pull",
          timestamp: "0",
          isForce: "true"
        }, { body: Buffer.from(formatOffsetTable([[q!, 3]])) }),
        context
      )
      expect(yield* consumer.committed(q!)).toBe(3)
      expect(messagesOf(yield* pollBatches(consumer, 3)).map(bodyText)).toEqual(["m-3", "m-4", "m-5"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("as a Stream of batches: a batch is committed once the next is asked for; the last one taken is not", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 20)
      const [q] = yield* queuesOf("Orders", 1)
      const batches = yield* LitePullConsumer.stream({
        group: "stream_pull",
        assignedQueues: [q!],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        pullBatchSize: 5
      }).pipe(Stream.take(2), Stream.runCollect, Effect.provide(clientStack("s1")))
      expect(Chunk.toReadonlyArray(batches).map((b) => b.map((m) => m.queueOffset))).toEqual([
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9]
      ])
      // The first batch was committed when the second was asked for; the second never was (the stream ended).
      yield* eventually(Effect.map(brokerCommits("stream_pull"), (c) => c.get(messageQueueKey(q!)) === 5), {
        what: "offset 5 committed on the broker"
      })
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("broadcasting: every consumer of the group holds every queue and reads every message", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("News", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("News", 20)
      const dir = yield* tempDir("lite-broadcast")
      const options = {
        group: "news_pull",
        subscriptions: [{ topic: "News" }],
        messageModel: "BROADCASTING" as const,
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const,
        localOffsetStoreDir: dir
      }
      const a = yield* startLitePull("b1", options)
      const b = yield* startLitePull("b2", options)
      for (const c of [a, b]) {
        expect(new Set(messagesOf(yield* pollBatches(c.consumer, 20)).map(bodyText)).size).toBe(20)
        expect((yield* c.consumer.assignment).length).toBe(4)
      }
      yield* a.close
      yield* b.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
