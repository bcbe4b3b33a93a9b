import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../../src/protocol/ResponseCode.js"
import { Admin } from "../../../src/services/Admin.js"
import { checkTopicSettings } from "../../../src/services/AdminValidation.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { produce, producerLayer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { adminLayer } from "./AdminSupport.js"

describe("Admin: topics", () => {
  it.scopedLive("creates a topic on every master of a cluster, lists it, routes it, shows its queues' offsets, deletes it", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const created = yield* admin.createTopic({
        topic: "Orders",
        cluster: "DefaultCluster",
        readQueueNums: 3,
        writeQueueNums: 3
      })
      expect(created.map((b) => b.brokerName)).toEqual(["broker-a", "broker-b"])
      const route = yield* admin.topicRoute("Orders")
      expect(route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]).sort()).toEqual([
        ["broker-a", 3, 3, 6],
        ["broker-b", 3, 3, 6]
      ])
      expect(yield* admin.listTopics).toContain("Orders")

      yield* produce("Orders", 12)
      const stats = yield* admin.topicStats("Orders")
      expect(stats.map((q) => `${q.brokerName}#${q.queueId}`)).toEqual([
        "broker-a#0",
        "broker-a#1",
        "broker-a#2",
        "broker-b#0",
        "broker-b#1",
        "broker-b#2"
      ])
      expect(stats.reduce((n, q) => n + q.maxOffset, 0)).toBe(12)
      expect(stats.every((q) => q.minOffset === 0 && (q.maxOffset === 0) === (q.lastUpdateTimestamp === 0))).toBe(true)

      yield* admin.deleteTopic("Orders", { cluster: "DefaultCluster" })
      expect(yield* admin.listTopics).not.toContain("Orders")
      const gone = yield* Effect.flip(admin.topicRoute("Orders"))
      expect(gone._tag === "BrokerResponseError" && gone.responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("creates a topic on one broker by address, with a permission", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      const b = cluster.brokers[1]!
      yield* admin.createTopic({
        topic: "ReadOnly",
        brokerAddress: b.address,
        readQueueNums: 2,
        writeQueueNums: 1,
        perm: 4
      })
      const route = yield* admin.topicRoute("ReadOnly")
      expect(route.queueDatas).toEqual([{
        brokerName: b.name,
        perm: 4,
        readQueueNums: 2,
        writeQueueNums: 1,
        topicSysFlag: 0
      }])
    }).pipe(Effect.provide(adminLayer), Effect.provide(withCluster({ brokers: 2 }))))

  it.scopedLive("refuses bad input before any request, and names an unknown cluster", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      const refused = [
        { topic: "bad topic" },
        { topic: "" },
        { topic: "x".repeat(128) },
        { topic: "TBW102" },
        { topic: "rmq_sys_mine" },
        { topic: "Fine", readQueueNums: -1 },
        { topic: "Fine", writeQueueNums: 0 },
        { topic: "Fine", perm: 8 },
        { topic: "Fine", perm: 1 }
      ]
      for (const settings of refused) {
        const error = yield* Effect.flip(admin.createTopic(settings))
        expect(error._tag, JSON.stringify(settings)).toBe("AdminValidationError")
      }
      expect((yield* Effect.flip(admin.deleteTopic("SCHEDULE_TOPIC_XXXX")))._tag).toBe("AdminValidationError")
      expect((yield* Effect.flip(admin.topicStats("no spaces")))._tag).toBe("AdminValidationError")
      const received = yield* cluster.receivedRequests("broker-a")
      expect(received.filter((r) =>
        r.code === RequestCode.UPDATE_AND_CREATE_TOPIC || r.code === RequestCode.DELETE_TOPIC_IN_BROKER
      )).toEqual([])

      const unknown = yield* Effect.flip(admin.createTopic({ topic: "Orders", cluster: "NoSuchCluster" }))
      expect(unknown._tag === "AdminNotFoundError" && unknown.what).toBe("cluster")
      const both = yield* Effect.flip(
        admin.createTopic({ topic: "Orders", cluster: "DefaultCluster", brokerAddress: "1.2.3.4:1" })
      )
      expect(both._tag).toBe("AdminValidationError")
    }).pipe(Effect.provide(adminLayer), Effect.provide(withCluster())))

  it.scopedLive("a broker's refusal is a BrokerResponseError with its code and remark", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      yield* cluster.failNext("broker-a", RequestCode.UPDATE_AND_CREATE_TOPIC, 1, ResponseCode.NO_PERMISSION, "no way")
      const error = yield* Effect.flip(admin.createTopic({ topic: "Orders" }))
      expect(error._tag === "BrokerResponseError" && [error.responseCode, error.remark, error.address]).toEqual([
        ResponseCode.NO_PERMISSION,
        "no way",
        cluster.brokers[0]!.address
      ])
    }).pipe(Effect.provide(adminLayer), Effect.provide(withCluster())))

  it.prop("a topic with a character outside %|a-zA-Z0-9_- is refused, one made only of them is accepted", {
    name: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,127}$/),
    bad: fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !/^[%|a-zA-Z0-9_-]$/.test(c))
  }, ({ bad, name }) => {
    const system = name === "TBW102" || name.startsWith("rmq_sys_") || name === "BenchmarkTest"
    expect(Either.isRight(checkTopicSettings({ topic: name }))).toBe(!system)
    expect(Either.isLeft(checkTopicSettings({ topic: `${name.slice(0, 126)}${bad}` }))).toBe(true)
  })
})

describe("Admin: clusters", () => {
  it.scopedLive("lists every broker of the cluster and reads a broker's runtime statistics", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      const brokers = yield* admin.clusterBrokers
      expect(brokers).toEqual(
        cluster.brokers.map((b) => ({ cluster: "DefaultCluster", brokerName: b.name, brokerId: 0, address: b.address }))
      )
      yield* cluster.createTopic("Orders")
      yield* produce("Orders", 3)
      const info = yield* admin.brokerRuntimeInfo(cluster.brokers[0]!.address)
      expect(info.brokerVersionDesc).toBe("V4_9_8")
      expect(Number(info.msgPutTotalTodayNow)).toBe(3)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster({ brokers: 2 }))))
})
