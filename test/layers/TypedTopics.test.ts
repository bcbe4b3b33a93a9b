import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Either, Logger, Ref, Schema, Stream } from "effect"
import { PushConsumer } from "../../src/layers/PushConsumerStream.js"
import { decodeMessages, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { Producer } from "../../src/services/Producer.js"
import type { TypedPushConsumerOptions } from "../../src/services/PushConsumer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import * as Topic from "../../src/services/Topic.js"
import { bodyText, clientStack, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

/** Immediate retries: every delay level of 0 s. */
const noDelays = { broker: { messageDelayLevel: Array.from({ length: 18 }, () => "0s").join(" ") } }

const Order = Schema.Struct({
  id: Schema.String,
  total: Schema.BigDecimal,
  placedAt: Schema.DateTimeUtc,
  lines: Schema.Array(Schema.Struct({ sku: Schema.String, quantity: Schema.Int }))
})
const Orders = Topic.make("Orders", Order, {
  tags: Schema.Literal("created", "cancelled"),
  keys: Schema.NumberFromString.pipe(Schema.int()),
  properties: Schema.Struct({ tenant: Schema.String })
})
/** The same topic with no schema for tags, keys or properties. */
const Plain = Topic.make("Orders", Order)
const order = (i: number) =>
  Schema.decodeSync(Order)({
    id: `o-${i}`,
    total: `${i}.50`,
    placedAt: "2026-12-03T10:00:00.000Z",
    lines: [{ sku: "a", quantity: i }]
  })

/** A logger that keeps what is logged (message and cause) instead of printing it. */
const keptLogs = Effect.sync(() => {
  const logs: Array<{ readonly level: string; readonly text: string }> = []
  return {
    warnings: Effect.sync(() => logs.filter((l) => l.level === "WARN").map((l) => l.text)),
    layer: Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ annotations, cause, logLevel, message }) => {
        const parts = (Array.isArray(message) ? message : [message]).map(String)
        const reconsumeTimes = [...annotations].find(([k]) => k === "reconsumeTimes")?.[1]
        if (reconsumeTimes !== undefined) parts.push(`#${String(reconsumeTimes)}`)
        if (!Cause.isEmpty(cause)) parts.push(Cause.pretty(cause))
        logs.push({ level: logLevel.label, text: parts.join(" ") })
      })
    )
  }
})

/** The messages of a group's dead-letter topic. */
const deadLetters = (group: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const answer = yield* client.invoke(cluster.brokers[0]!.address, pull(`%DLQ%${group}`, 0))
    return answer.body === undefined ? [] : Either.getOrElse(decodeMessages(answer.body), () => [])
  }).pipe(Effect.orElseSucceed((): ReadonlyArray<MessageExt> => []))

/** An order as a handler receives it, from either topic. */
type Received = Topic.Decoded<typeof Order.Type, string, unknown, unknown>

/** A typed handler that keeps the values it is given. */
const keeper = Effect.map(
  Ref.make<ReadonlyArray<Received>>([]),
  (kept) => ({
    kept,
    ids: Effect.map(Ref.get(kept), (all) => all.map((d) => d.value.id)),
    handler: (decoded: ReadonlyArray<Received>) =>
      Effect.as(Ref.update(kept, (all) => [...all, ...decoded]), "CONSUME_SUCCESS" as const)
  })
)

/** A one-queue Orders topic and a typed consumer of it (Plain) with a decode-error policy; its logs kept. */
const typedConsumer = (
  group: string,
  onDecodeError: Topic.DecodeErrorPolicy,
  options: Omit<TypedPushConsumerOptions<never, never>, "group" | "subscriptions"> = {}
) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
    const logs = yield* keptLogs
    const { handler, ids } = yield* keeper
    const { close } = yield* startConsumer("c1", {
      ...options,
      group,
      subscriptions: [Topic.subscribe(Plain, { onDecodeError, handler })]
    }).pipe(Effect.provide(logs.layer))
    return { close, ids, logs }
  })

/** Sends, in order, typed orders (by number) and malformed bodies (text), tagged "created". */
const sendInOrder = (items: ReadonlyArray<number | string>) =>
  Effect.flatMap(Producer, (producer) =>
    Effect.forEach(items, (item) =>
      typeof item === "number"
        ? producer.send(Plain, order(item), { tags: "created" })
        : producer.send({ topic: "Orders", body: Buffer.from(item), tags: "created" })))

describe("typed topics on the embedded cluster", () => {
  it.scopedLive("a typed send arrives decoded at a typed consumer: value, tags, keys and properties", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const producer = yield* Producer
      const { handler, ids, kept } = yield* keeper
      const { close } = yield* startConsumer("c1", {
        group: "billing",
        subscriptions: [Topic.subscribe(Orders, { onDecodeError: "fail", handler })]
      })
      const sent = yield* Effect.forEach(
        [0, 1, 2],
        (i) => producer.send(Orders, order(i), { tags: "created", keys: [i, 100 + i], properties: { tenant: "acme" } })
      )
      yield* eventually(Effect.map(ids, (all) => all.length === 3), { what: "3 orders consumed", bound: "20 seconds" })
      const byId = new Map((yield* Ref.get(kept)).map((d) => [d.value.id, d]))
      for (const [i, result] of sent.entries()) {
        const decoded = byId.get(`o-${i}`)!
        expect(decoded.value).toEqual(order(i))
        expect(decoded).toMatchObject({ tags: "created", keys: [i, 100 + i], properties: { tenant: "acme" } })
        expect(decoded.message.msgId).toBe(result.msgId)
      }
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("a value that does not encode fails the send with MessageEncodeError before any request", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const producer = yield* Producer
      yield* producer.send(Orders, order(1))
      const sendsBefore = (yield* cluster.receivedRequests(cluster.brokers[0]!.name))
        .filter((r) => r.code === RequestCode.SEND_MESSAGE_V2).length
      const bad = { ...order(2), lines: [{ sku: "a", quantity: 1.5 }] }
      const error = yield* Effect.flip(producer.send(Orders, bad))
      expect(error).toMatchObject({ _tag: "MessageEncodeError", topic: "Orders", part: "body" })
      const keyError = yield* Effect.flip(producer.send(Orders, order(3), { keys: [1.5] }))
      expect(keyError).toMatchObject({ _tag: "MessageEncodeError", part: "keys" })
      const sendsAfter = (yield* cluster.receivedRequests(cluster.brokers[0]!.name))
        .filter((r) => r.code === RequestCode.SEND_MESSAGE_V2).length
      expect(sendsAfter).toBe(sendsBefore)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("\"retry\": a malformed body is reconsumed through the retry topic, then the DLQ past max", () =>
    Effect.gen(function*() {
      const { close, ids, logs } = yield* typedConsumer("billing", "retry", {
        maxReconsumeTimes: 2,
        consumeMessageBatchMaxSize: 4
      })
      yield* sendInOrder([1, "{not json", 2])
      yield* eventually(Effect.map(deadLetters("billing"), (dlq) => dlq.length === 1), {
        what: "the malformed message in the DLQ",
        bound: "20 seconds"
      })
      const [dead] = yield* deadLetters("billing")
      expect(bodyText(dead!)).toBe("{not json")
      // Delivered three times (reconsume times 0, 1, 2), sent back each time; the broker moved it to the DLQ.
      expect(dead!.reconsumeTimes).toBe(3)
      const warnings = (yield* logs.warnings).filter((w) => w.includes("sent back for retry"))
      expect(warnings.map((w) => w.slice(w.indexOf("#")))).toEqual(["#0", "#1", "#2"])
      // The good messages went to the handler, once each.
      expect([...(yield* ids)].sort()).toEqual(["o-1", "o-2"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, ...noDelays }))))

  it.scopedLive("\"dead-letter\": a malformed body lands in %DLQ%group at once, never retried", () =>
    Effect.gen(function*() {
      const { close, ids, logs } = yield* typedConsumer("billing", "dead-letter")
      yield* sendInOrder([1, JSON.stringify({ id: 7 }), 2])
      yield* eventually(Effect.map(ids, (all) => all.length === 2), { what: "the good orders", bound: "20 seconds" })
      yield* eventually(Effect.map(deadLetters("billing"), (dlq) => dlq.length === 1), {
        what: "the malformed message in the DLQ",
        bound: "20 seconds"
      })
      const [dead] = yield* deadLetters("billing")
      expect(bodyText(dead!)).toBe(JSON.stringify({ id: 7 }))
      // Delivered once (reconsume times 0), then straight to the DLQ.
      expect(dead!.reconsumeTimes).toBe(1)
      expect((yield* logs.warnings).filter((w) => w.includes("dead-letter topic"))).toHaveLength(1)
      expect(yield* ids).toEqual(["o-1", "o-2"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("\"dead-letter\", orderly: the malformed message goes to the DLQ and the queue goes on in order", () =>
    Effect.gen(function*() {
      const { close, ids, logs } = yield* typedConsumer("billing_orderly", "dead-letter", { orderly: true })
      yield* sendInOrder([1, "[]", 2, 3])
      yield* eventually(Effect.map(ids, (all) => all.length === 3), { what: "the good orders", bound: "20 seconds" })
      expect(yield* ids).toEqual(["o-1", "o-2", "o-3"])
      expect((yield* deadLetters("billing_orderly")).map(bodyText)).toEqual(["[]"])
      expect((yield* logs.warnings).filter((w) => w.includes("dead-letter topic"))).toHaveLength(1)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scopedLive("\"fail\": the batch fails with MessageDecodeError, surfaced as the handler's failure", () =>
    Effect.gen(function*() {
      const { close, ids, logs } = yield* typedConsumer("billing", "fail", { maxReconsumeTimes: 1 })
      yield* sendInOrder(["oops"])
      const failures = Effect.map(logs.warnings, (ws) => ws.filter((w) => w.includes("the handler failed")))
      yield* eventually(Effect.map(failures, (f) => f.length === 2), {
        what: "the failure surfaced twice (first delivery and one reconsume)",
        bound: "20 seconds"
      })
      for (const failure of yield* failures) {
        expect(failure).toContain("MessageDecodeError")
        expect(failure).toContain("cannot decode the body of message")
      }
      expect(yield* ids).toEqual([])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, ...noDelays }))))

  it.scopedLive("a typed stream: with \"fail\" a malformed body fails it, uncommitted; with \"dead-letter\" it goes on", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendInOrder(["oops"])
      const run = PushConsumer.typedStream(Plain, { group: "streamers", onDecodeError: "fail", concurrency: 1 }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(clientStack("s1")),
        Effect.provide(NodeFileSystem.layer)
      )
      const failed = yield* Effect.flip(run)
      expect(failed).toMatchObject({ _tag: "MessageDecodeError", topic: "Orders", part: "body" })
      expect(bodyText((failed as Topic.MessageDecodeError).raw)).toBe("oops")
      // The malformed message was not committed: a stream that sends it to the DLQ meets it again, then goes on.
      yield* sendInOrder([2])
      const logs = yield* keptLogs
      const next = yield* PushConsumer.typedStream(Plain, {
        group: "streamers",
        onDecodeError: "dead-letter",
        concurrency: 1
      }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.provide(clientStack("s1")),
        Effect.provide(NodeFileSystem.layer),
        Effect.provide(logs.layer)
      )
      expect(next.map((d) => [d.value.id, d.tags])).toEqual([["o-2", "created"]])
      expect((yield* logs.warnings).filter((w) => w.includes("dead-letter topic"))).toHaveLength(1)
      expect((yield* deadLetters("streamers")).map(bodyText)).toEqual(["oops"])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
