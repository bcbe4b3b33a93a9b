import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Layer, TestClock } from "effect"
import * as ClientLive from "../../src/layers/ClientLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import { decodeMessages, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC, type TraceRecord } from "../../src/protocol/TraceData.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { Producer } from "../../src/services/Producer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { TraceDispatcher } from "../../src/services/TraceDispatcher.js"
import { bodyText, startConsumer } from "../support/ConsumerStack.js"
import { clientOn, pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually, sleepsEndingIn } from "../support/Eventually.js"

/** A producer on a client of its own (`ClientLive`, whose trace dispatcher it shares), trace on unless told. */
const tracedProducer = (options: Partial<ProducerLive.ProducerOptions> = {}) =>
  Layer.unwrapEffect(
    Effect.map(EmbeddedCluster, (cluster) =>
      ProducerLive.layer({ group: "orders_producer", enableMsgTrace: true, ...options }).pipe(
        Layer.provideMerge(ClientLive.layer({
          nameServerAddress: cluster.nameServerAddress,
          clientIP: "10.0.0.7",
          instanceName: "trace-test"
        }))
      ))
  )

/** The messages of a topic's queue 0 on broker-a, read with the test's own client (`clientOn`). */
const messagesOf = (topic: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const answer = yield* Effect.orDie(client.invoke(cluster.brokers[0]!.address, pull(topic, 0)))
    return answer.code === ResponseCode.SUCCESS ? Either.getOrThrow(decodeMessages(answer.body!)) : []
  })

const recordsOf = (messages: ReadonlyArray<MessageExt>): ReadonlyArray<TraceRecord> =>
  messages.flatMap((m) => Either.getOrThrow(decodeTraceData(bodyText(m))))

/** The trace records stored once `count` are there. */
const awaitRecords = (count: number) =>
  Effect.gen(function*() {
    yield* eventually(Effect.map(messagesOf(RMQ_SYS_TRACE_TOPIC), (m) => recordsOf(m).length >= count), {
      what: `${count} trace records in ${RMQ_SYS_TRACE_TOPIC}`,
      bound: "10 seconds"
    })
    return yield* messagesOf(RMQ_SYS_TRACE_TOPIC)
  })

describe("message trace of a producer", () => {
  it.scoped("each send is a Pub record in RMQ_SYS_TRACE_TOPIC, sent 500 ms after the first, found by id and keys", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const producer = yield* Producer
      const results = yield* Effect.forEach(
        ["a", "b", "c"],
        (k) => producer.send({ topic: "Orders", body: Buffer.from(`order ${k}`), tags: "TagA", keys: [`order-${k}`] })
      )
      // Nothing goes before the first record has waited 500 ms (Java's waitTimeThresholdMil).
      yield* eventually(Effect.map(sleepsEndingIn(500), (n) => n >= 1), { what: "the dispatcher waits 500 ms" })
      expect(yield* messagesOf(RMQ_SYS_TRACE_TOPIC)).toEqual([])
      yield* TestClock.adjust("500 millis")
      const [message, ...more] = yield* awaitRecords(3)
      // The three records went as one trace message, indexed by every message id and key (what
      // `mqadmin queryMsgTraceById` looks up), sent by the instance's inner trace producer.
      expect(more).toEqual([])
      const keys = message!.properties.KEYS!.split(" ")
      for (const r of results) expect(keys).toContain(r.msgId)
      expect(keys).toEqual(expect.arrayContaining(["order-a", "order-b", "order-c"]))
      expect(recordsOf([message!])).toEqual(results.map((r, i) => ({
        _tag: "Pub",
        timeStamp: expect.any(Number),
        regionId: "DefaultRegion",
        groupName: "orders_producer",
        topic: "Orders",
        msgId: r.msgId,
        tags: "TagA",
        keys: `order-${"abc"[i]}`,
        storeHost: cluster.brokers[0]!.address,
        bodyLength: 7,
        costTime: 0,
        msgType: "Normal_Msg",
        offsetMsgId: r.offsetMsgId,
        success: true
      })))
      const groups = yield* Effect.flatMap(GroupTable, (t) => t.producers)
      expect(groups.map((g) => g.groupName)).toContain("_INNER_TRACE_PRODUCER-RMQ_SYS_TRACE_TOPIC")
    }).pipe(Effect.provide(tracedProducer()), Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a transaction is a Pub of a half message and an EndTransaction with its state", () =>
    Effect.gen(function*() {
      const producer = yield* Producer
      const sent = yield* producer.sendInTransaction(
        { topic: "Orders", body: Buffer.from("tx"), keys: ["tx-1"] },
        () => Effect.succeed("COMMIT_MESSAGE" as const)
      )
      yield* Effect.flatMap(TraceDispatcher, (d) => d.flush)
      const records = recordsOf(yield* awaitRecords(2))
      expect(records).toMatchObject([
        { _tag: "Pub", msgId: sent.msgId, msgType: "Trans_Msg_Half", keys: "tx-1", success: true },
        {
          _tag: "EndTransaction",
          msgId: sent.msgId,
          transactionId: sent.msgId,
          transactionState: "COMMIT_MESSAGE",
          fromTransactionCheck: false,
          msgType: "Trans_msg_Commit",
          regionId: "DefaultRegion",
          groupName: "orders_producer"
        }
      ])
    }).pipe(Effect.provide(tracedProducer()), Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("closing the client sends the records still queued, before the 500 ms are up", () =>
    Effect.gen(function*() {
      const sent = yield* Effect.flatMap(Producer, (p) => p.send({ topic: "Orders", body: Buffer.from("last") })).pipe(
        Effect.provide(tracedProducer())
      )
      const records = recordsOf(yield* awaitRecords(1))
      expect(records).toMatchObject([{ _tag: "Pub", msgId: sent.msgId, tags: undefined, keys: undefined }])
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("with trace off nothing is recorded and no trace producer is registered", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(Producer, (p) => p.send({ topic: "Orders", body: Buffer.from("plain") }))
      yield* Effect.flatMap(TraceDispatcher, (d) => d.flush)
      yield* TestClock.adjust("1 second")
      expect(yield* messagesOf(RMQ_SYS_TRACE_TOPIC)).toEqual([])
      const groups = yield* Effect.flatMap(GroupTable, (t) => t.producers)
      expect(groups.map((g) => g.groupName)).toEqual(["orders_producer"])
    }).pipe(
      Effect.provide(tracedProducer({ enableMsgTrace: false })),
      Effect.provide(clientOn()),
      Effect.provide(withCluster())
    ))

  it.scoped("records go to the customized trace topic", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("MyTrace", { readQueueNums: 1, writeQueueNums: 1 })
      const sent = yield* Effect.flatMap(Producer, (p) => p.send({ topic: "Orders", body: Buffer.from("x") }))
      yield* Effect.flatMap(TraceDispatcher, (d) => d.flush)
      yield* eventually(Effect.map(messagesOf("MyTrace"), (m) => m.length === 1), {
        what: "a trace message in MyTrace"
      })
      expect(recordsOf(yield* messagesOf("MyTrace"))).toMatchObject([{ _tag: "Pub", msgId: sent.msgId }])
      expect(yield* messagesOf(RMQ_SYS_TRACE_TOPIC)).toEqual([])
    }).pipe(
      Effect.provide(tracedProducer({ customizedTraceTopic: "MyTrace" })),
      Effect.provide(clientOn()),
      Effect.provide(withCluster())
    ))
})

describe("message trace of a push consumer", () => {
  it.scopedLive("each message handled is a SubBefore and a SubAfter with one request id, success and return type", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const failedOnce = yield* Deferred.make<void>()
      // No client dispatcher in this stack: the consumer makes its own (Java's `_INNER_TRACE_PRODUCER-<group>-CONSUME`).
      const { close } = yield* startConsumer("trace-consumer", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        enableMsgTrace: true,
        handler: ([m]) =>
          bodyText(m!) === "retry" && m!.reconsumeTimes === 0
            ? Effect.as(Deferred.succeed(failedOnce, undefined), "RECONSUME_LATER" as const)
            : Effect.succeed("CONSUME_SUCCESS" as const)
      })
      const producer = yield* Producer
      const ok = yield* producer.send({ topic: "Orders", body: Buffer.from("ok"), keys: ["k-ok"] })
      const retried = yield* producer.send({ topic: "Orders", body: Buffer.from("retry") })
      yield* Deferred.await(failedOnce)
      yield* close
      const records = recordsOf(yield* awaitRecords(4))
      const about = (msgId: string) => records.filter((r) => r.msgId === msgId)
      const [before, after] = about(ok.msgId)
      expect(before).toMatchObject({
        _tag: "SubBefore",
        groupName: "orders_consumer",
        retryTimes: 0,
        keys: "k-ok",
        // A 4.9 broker stores no MSG_REGION on messages: Java's hook reads null.
        regionId: undefined
      })
      expect(after).toMatchObject({
        _tag: "SubAfter",
        requestId: (before as { requestId: string }).requestId,
        success: true,
        contextCode: 0,
        keys: "k-ok",
        groupName: "orders_consumer"
      })
      expect(about(retried.msgId).slice(0, 2)).toMatchObject([
        { _tag: "SubBefore", retryTimes: 0, keys: undefined },
        { _tag: "SubAfter", success: false, contextCode: 4 }
      ])
    }).pipe(
      Effect.provide(tracedProducer({ enableMsgTrace: false })),
      Effect.provide(clientOn()),
      Effect.provide(withCluster())
    ))
})
