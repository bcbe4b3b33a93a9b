// Message trace against real brokers: our producer and consumer with trace on write Java's trace records into the
// broker's trace topic (created by `traceTopicEnable=true`), which we read back and decode, and which Java's own
// `mqadmin queryMsgTraceById` finds by message id and shows.
import { expect } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import * as AdminLive from "../../src/layers/AdminLive.js"
import {
  decodeTraceData,
  encodeTraceRecord,
  RMQ_SYS_TRACE_TOPIC,
  type TraceRecord
} from "../../src/protocol/TraceData.js"
import { Admin } from "../../src/services/Admin.js"
import { Producer } from "../../src/services/Producer.js"
import { isEvent, runToEnd, start } from "./support/JavaPeer.js"
import { mqadmin } from "./support/MqAdmin.js"
import {
  bodyText,
  client,
  collect,
  describeReal,
  eventually,
  producer,
  Real,
  text,
  unique
} from "./support/RealSuite.js"

describeReal("message trace on a real broker", { brokerConfig: { traceTopicEnable: "true" } }, (it, line) => {
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

      // Our admin API (the CLI's `message trace`) finds them too, by the trace messages' keys (QUERY_MESSAGE).
      const viaAdmin = yield* Effect.flatMap(Admin, (admin) => admin.messageTrace(sent.msgId)).pipe(
        Effect.provide(AdminLive.layer().pipe(Layer.provideMerge(client())))
      )
      expect(new Set(viaAdmin.map((r) => r._tag))).toEqual(new Set(["Pub", "SubBefore", "SubAfter"]))
      expect(viaAdmin.find((r) => r._tag === "Pub")).toMatchObject({ groupName: producerGroup, topic })
    }))

  it.test("the Java client's trace records decode, and encode again to Java's very bytes", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("JavaTraced")
      const args = ["--namesrv", cluster.nameServerAddress, "--topic", topic, "--trace"]
      const [sent] =
        (yield* runToEnd(line.client, ["produce", ...args, "--tag", "TagJ", "--keys", "j1 j2"], "90 seconds"))
          .filter(isEvent("sent"))
      // The Java consumer is kept running: Java's trace dispatcher may lose what it still holds when its client shuts
      // down (its last sends are asynchronous), so the records are awaited while it lives.
      const javaConsumer = yield* start(line.client, [
        "consume",
        ...args,
        ...["--group", unique("java_traced"), "--from", "first", "--timeout-ms", "120000"]
      ])
      const traces = yield* collect({ group: unique("trace_reader"), subscriptions: [{ topic: RMQ_SYS_TRACE_TOPIC }] })
      const javaTraces = () =>
        traces.received
          .filter((m) => bodyText(m).includes(sent!.msgId))
          .map((m) => ({ body: bodyText(m), records: Either.getOrThrow(decodeTraceData(bodyText(m))) }))
      const about = () => javaTraces().flatMap((d) => d.records).filter((r) => r.msgId === sent!.msgId)
      yield* eventually(Effect.sync(() => about().some((r) => r._tag === "SubAfter")))
      expect(javaConsumer.received().filter(isEvent("message")).map((m) => m.msgId)).toEqual([sent!.msgId])
      const records = about()
      expect(records.find((r) => r._tag === "SubBefore")).toMatchObject({ retryTimes: 0, keys: "j1 j2" })
      expect(records.find((r) => r._tag === "SubAfter")).toMatchObject({ success: true, contextCode: 0, keys: "j1 j2" })
      // The producer's Pub, when its client sent it before exiting (see above), says what ours says.
      const pub = records.find((r) => r._tag === "Pub")
      if (pub !== undefined) {
        expect(pub).toMatchObject({ topic, tags: "TagJ", keys: "j1 j2", offsetMsgId: sent!.offsetMsgId, success: true })
      }
      // Java's TraceDataEncoder and ours write the same text for the same records, byte for byte.
      for (const { body, records: all } of javaTraces()) expect(all.map(encodeTraceRecord).join("")).toBe(body)
    }))
})
