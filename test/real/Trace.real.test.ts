// Message trace against real brokers: our producer and consumer with trace on write Java's trace records into the
// broker's trace topic (created by `traceTopicEnable=true`), which we read back and decode, and which Java's own
// `mqadmin queryMsgTraceById` finds by message id and shows.
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC, type TraceRecord } from "../../src/protocol/TraceData.js"
import { Producer } from "../../src/services/Producer.js"
import { mqadmin } from "./support/MqAdmin.js"
import { bodyText, collect, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

describeReal("message trace on a real broker", { brokerConfig: { traceTopicEnable: "true" } }, (it) => {
  it.test("our Pub, SubBefore and SubAfter land in RMQ_SYS_TRACE_TOPIC, and mqadmin queryMsgTraceById shows them", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Traced")
      const producerGroup = unique("trace_producer")
      const consumerGroup = unique("trace_consumer")
      const sent = yield* Effect.flatMap(
        Producer,
        (p) => p.send({ topic, body: text("traced"), tags: "TagT", keys: ["order-42"] })
      ).pipe(
        Effect.provide(producer({ group: producerGroup, enableMsgTrace: true }))
      )
      const consumer = yield* collect({ group: consumerGroup, subscriptions: [{ topic }], enableMsgTrace: true })
      yield* consumer.awaitCount(1)
      // Closing the consumer sends its records still queued.
      yield* consumer.close
      const traces = yield* collect({ group: unique("trace_reader"), subscriptions: [{ topic: RMQ_SYS_TRACE_TOPIC }] })
      const about = () =>
        traces.received
          .flatMap((m): ReadonlyArray<TraceRecord> => Either.getOrThrow(decodeTraceData(bodyText(m))))
          .filter((r) => r.msgId === sent.msgId)
      yield* eventually(Effect.sync(() => about().length >= 3))
      const records = about()
      expect(records.find((r) => r._tag === "Pub")).toMatchObject({
        groupName: producerGroup,
        topic,
        tags: "TagT",
        keys: "order-42",
        offsetMsgId: sent.offsetMsgId,
        msgType: "Normal_Msg",
        success: true,
        regionId: "DefaultRegion"
      })
      const before = records.find((r) => r._tag === "SubBefore")
      expect(before).toMatchObject({ groupName: consumerGroup, retryTimes: 0, keys: "order-42" })
      expect(records.find((r) => r._tag === "SubAfter")).toMatchObject({
        requestId: (before as { requestId: string }).requestId,
        groupName: consumerGroup,
        success: true,
        contextCode: 0
      })
      // Each trace message is indexed by the message ids and keys of its records.
      const carrying = traces.received.filter((m) => bodyText(m).includes(sent.msgId))
      for (const m of carrying) expect(m.properties.KEYS!.split(" ")).toContain(sent.msgId)

      // Java's tools read our records as their own: the Pub with our producer group, the consume with our group.
      const shown = yield* mqadmin(cluster.line, cluster.nameServerAddress, ["queryMsgTraceById", "-i", sent.msgId])
      expect(shown).toMatch(new RegExp(`Pub\\s+${producerGroup}\\s`))
      expect(shown).toMatch(new RegExp(`Sub\\s+${consumerGroup}\\s`))
      expect(shown).toContain("success")
    }))
})
