import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Admin } from "../../../src/services/Admin.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { Producer } from "../../../src/services/Producer.js"
import { bodyText, producerLayer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { adminLayer } from "./AdminSupport.js"

const FIELD = String.fromCharCode(1)
const RECORD = String.fromCharCode(2)

describe("Admin: messages", () => {
  it.scopedLive("finds a message by offset id, by key in a time range, and by unique key", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      const producer = yield* Producer
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const sent = yield* producer.send({
        topic: "Orders",
        body: Buffer.from("order 42"),
        keys: ["order-42", "customer-7"]
      })
      yield* producer.send({ topic: "Orders", body: Buffer.from("order 43"), keys: ["order-43", "customer-7"] })

      const viewed = yield* admin.viewMessage(sent.offsetMsgId)
      expect([bodyText(viewed), viewed.topic, viewed.msgId]).toEqual(["order 42", "Orders", sent.msgId])

      const byKey = yield* admin.queryMessagesByKey({ topic: "Orders", key: "customer-7" })
      expect(byKey.map(bodyText).sort()).toEqual(["order 42", "order 43"])
      expect(yield* admin.queryMessagesByKey({ topic: "Orders", key: "customer-7", endTimestamp: 1 })).toEqual([])
      expect(yield* admin.queryMessagesByKey({ topic: "Orders", key: "nobody" })).toEqual([])

      const byId = yield* admin.queryMessagesByUniqueKey("Orders", sent.msgId)
      expect(byId.map(bodyText)).toEqual(["order 42"])

      expect((yield* Effect.flip(admin.viewMessage("not-an-id")))._tag).toBe("AdminValidationError")
      const missing = yield* Effect.flip(admin.viewMessage(sent.offsetMsgId.slice(0, -4) + "FFFF"))
      expect(missing._tag).toBe("BrokerResponseError")
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))

  it.scopedLive("reads a message's trace from RMQ_SYS_TRACE_TOPIC", () =>
    Effect.gen(function*() {
      const admin = yield* Admin
      const cluster = yield* EmbeddedCluster
      const producer = yield* Producer
      yield* cluster.createTopic("Orders")
      yield* cluster.createTopic("RMQ_SYS_TRACE_TOPIC")
      const sent = yield* producer.send({ topic: "Orders", body: Buffer.from("traced"), tags: "TagA", keys: ["k1"] })
      // What Java's trace dispatcher writes: a Pub record, then the consumer's SubBefore and SubAfter.
      const pub = [
        "Pub",
        "1700000000000",
        "DefaultRegion",
        "orders_producer",
        "Orders",
        sent.msgId,
        "TagA",
        "k1",
        "127.0.0.1:10911",
        "6",
        "3",
        "0",
        sent.offsetMsgId,
        "true",
        "10.0.0.7"
      ].join(FIELD)
      const before = ["SubBefore", "1700000000100", "DefaultRegion", "orders_consumer", "req-1", sent.msgId, "0", "k1"]
        .join(FIELD)
      const after = ["SubAfter", "req-1", sent.msgId, "12", "true", "k1", "0", "1700000000112", "orders_consumer"]
        .join(FIELD)
      yield* producer.send({
        topic: "RMQ_SYS_TRACE_TOPIC",
        body: Buffer.from([pub, before, after].map((r) => r + RECORD).join("")),
        keys: [sent.msgId, "k1"]
      })
      const trace = yield* admin.messageTrace(sent.msgId)
      expect(trace.map((r) => [r._tag, r.groupName, r.msgId])).toEqual([
        ["Pub", "orders_producer", sent.msgId],
        ["SubBefore", "orders_consumer", sent.msgId],
        ["SubAfter", "orders_consumer", sent.msgId]
      ])
      const [pubRecord, , afterRecord] = trace
      expect(pubRecord?._tag === "Pub" && [pubRecord.costTime, pubRecord.success, pubRecord.clientHost]).toEqual([
        3,
        true,
        "10.0.0.7"
      ])
      expect(afterRecord?._tag === "SubAfter" && [afterRecord.costTime, afterRecord.success]).toEqual([12, true])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(adminLayer), Effect.provide(withCluster())))
})
