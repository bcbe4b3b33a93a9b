import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import { Admin, type ConsumeProgress } from "../../../src/services/Admin.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { produce, producerLayer, startConsumer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { eventually } from "../../support/Eventually.js"
import { adminLayer } from "./AdminSupport.js"

/** A consumer of Orders in `group` that counts what it is given. */
const countingConsumer = (group: string, config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make(0)
    const started = yield* startConsumer("c1", {
      group,
      subscriptions: [{ topic: "Orders" }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      handler: (messages) => Effect.as(Ref.update(seen, (n) => n + messages.length), "CONSUME_SUCCESS" as const)
    }, config)
    const consumed = (n: number, what: string) =>
      eventually(Effect.map(Ref.get(seen), (s) => s >= n), { what, bound: "20 seconds" })
    return { ...started, seen, consumed }
  })

const ordersQueues = (progress: ConsumeProgress) => progress.queues.filter((q) => q.topic === "Orders")

describe("Admin: consumer groups", () => {
  it.scopedLive("creates a group with its settings, reads them back, and deletes it", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const brokers = yield* admin.createGroup({
        group: "billing",
        retryMaxTimes: 5,
        retryQueueNums: 2,
        consumeBroadcastEnable: false
      })
      expect(brokers.map((b) => b.brokerName)).toEqual(["broker-a", "broker-b"])
      const configs = yield* admin.groupConfigs("billing")
      expect(
        configs.map((
          c
        ) => [
          c.broker.brokerName,
          c.config.retryMaxTimes,
          c.config.retryQueueNums,
          c.config.consumeBroadcastEnable,
          c.config.consumeEnable
        ])
      ).toEqual([
        ["broker-a", 5, 2, false, true],
        ["broker-b", 5, 2, false, true]
      ])
      yield* admin.deleteGroup("billing", { cluster: "DefaultCluster" })
      expect(yield* admin.groupConfigs("billing")).toEqual([])
      const bad = yield* Effect.flip(admin.createGroup({ group: "bad group" }))
      expect(bad._tag).toBe("AdminValidationError")
      expect((yield* Effect.flip(admin.createGroup({ group: "g", retryMaxTimes: -1 })))._tag).toBe(
        "AdminValidationError"
      )
    }).pipe(Effect.provide(adminLayer), Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("shows a group's connections, its consumers' running info, and its progress with lag", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 10)
      const consumer = yield* countingConsumer("orders_group")
      yield* consumer.consumed(10, "10 messages consumed")

      const connections = yield* admin.groupConnections("orders_group")
      expect(connections.connectionSet.map((c) => [c.clientId, c.language, c.version])).toEqual([[
        "10.0.0.7@c1",
        "JAVA",
        409
      ]])
      expect(connections.messageModel).toBe("CLUSTERING")
      expect(Object.keys(connections.subscriptionTable)).toContain("Orders")
      const running = yield* admin.consumerRunningInfo("orders_group", "10.0.0.7@c1")
      expect(running.subscriptionSet.map((s) => s.topic)).toContain("Orders")
      expect(running.mqTable.filter((e) => e.messageQueue.topic === "Orders").length).toBe(2)
      const stranger = yield* Effect.flip(admin.consumerRunningInfo("orders_group", "10.0.0.9@nobody"))
      expect(stranger._tag === "BrokerResponseError" && stranger.remark).toBe(
        "The Consumer <orders_group> <10.0.0.9@nobody> not online"
      )

      yield* consumer.close // commits its offsets on the broker
      const done = yield* admin.consumeProgress("orders_group")
      expect(ordersQueues(done).map((q) => [q.queueId, q.brokerOffset, q.consumerOffset, q.lag])).toEqual([
        [0, 5, 5, 0],
        [1, 5, 5, 0]
      ])
      expect(done.totalLag).toBe(0)
      expect(ordersQueues(done).every((q) => q.lastTimestamp > 0)).toBe(true)
      expect(done.queues.some((q) => q.topic === "%RETRY%orders_group")).toBe(true)

      yield* produce("Orders", 6)
      const behind = yield* admin.consumeProgress("orders_group", "Orders")
      expect(behind.queues.map((q) => q.lag)).toEqual([3, 3])
      expect(behind.totalLag).toBe(6)

      const offline = yield* Effect.flip(admin.groupConnections("orders_group"))
      expect(offline._tag === "AdminNotFoundError" && offline.what).toBe("consumer group")
      const none = yield* Effect.flip(admin.consumeProgress("never_consumed"))
      expect(none._tag).toBe("BrokerResponseError") // no %RETRY% route: the name server does not know it
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))

  it.scopedLive("deleting a group with removeOffset drops its offsets", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* produce("Orders", 4)
      const consumer = yield* countingConsumer("short_lived")
      yield* consumer.consumed(4, "4 messages consumed")
      yield* consumer.close
      expect((yield* admin.consumeProgress("short_lived", "Orders")).totalLag).toBe(0)
      yield* admin.deleteGroup("short_lived", { removeOffset: true })
      // GET_CONSUME_STATS by topic: the queue is there, with no offset (0), so everything is behind again.
      expect((yield* admin.consumeProgress("short_lived", "Orders")).totalLag).toBe(4)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))
})

describe("Admin: resetting offsets", () => {
  it.scopedLive("a live group is reset through the broker, and its consumer consumes again from there", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 8)
      const consumer = yield* countingConsumer("replayers", { persistConsumerOffsetIntervalMillis: 100 })
      yield* consumer.consumed(8, "8 messages consumed")
      yield* eventually(Effect.map(admin.consumeProgress("replayers", "Orders"), (p) => p.totalLag === 0), {
        what: "offsets committed",
        bound: "20 seconds"
      })
      const result = yield* admin.resetOffset({ group: "replayers", topic: "Orders", timestamp: 0 })
      expect(result.mode).toBe("live")
      expect(result.queues.map((q) => [q.queueId, q.offset])).toEqual([[0, 0], [1, 0]])
      yield* consumer.consumed(16, "the 8 messages consumed again")
      yield* consumer.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))

  it.scopedLive("an offline group is reset by writing its offsets (to the end with -1, back to a time)", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 4)
      const consumer = yield* countingConsumer("batch_job")
      yield* consumer.consumed(4, "4 messages consumed")
      yield* consumer.close
      yield* produce("Orders", 6)
      expect((yield* admin.consumeProgress("batch_job", "Orders")).totalLag).toBe(6)

      const toEnd = yield* admin.resetOffset({ group: "batch_job", topic: "Orders", timestamp: -1 })
      expect(toEnd.mode).toBe("offline")
      expect(toEnd.queues.map((q) => [q.queueId, q.consumerOffset, q.offset])).toEqual([[0, 2, 5], [1, 2, 5]])
      expect((yield* admin.consumeProgress("batch_job", "Orders")).totalLag).toBe(0)

      const back = yield* admin.resetOffsetOffline({ group: "batch_job", topic: "Orders", timestamp: 0 })
      expect(back.queues.map((q) => q.offset)).toEqual([0, 0])
      expect((yield* admin.consumeProgress("batch_job", "Orders")).totalLag).toBe(10)
      const bad = yield* Effect.flip(admin.resetOffset({ group: "batch_job", topic: "Orders", timestamp: -2 }))
      expect(bad._tag).toBe("AdminValidationError")
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))
})
