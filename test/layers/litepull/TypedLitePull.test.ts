import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck as fc, Schema, Stream, TestClock } from "effect"
import { LitePullConsumer } from "../../../src/layers/LitePullConsumerStream.js"
import { decodeMessages, type MessageExt } from "../../../src/protocol/MessageDecoder.js"
import { messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../../src/protocol/ResponseCode.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import type { LitePullConsumerService } from "../../../src/services/LitePullConsumer.js"
import { Producer } from "../../../src/services/Producer.js"
import { RemotingClient } from "../../../src/services/RemotingClient.js"
import * as Topic from "../../../src/services/Topic.js"
import { bodyText, clientStack, producerLayer } from "../../support/ConsumerStack.js"
import { pull, withCluster } from "../../support/EmbeddedClient.js"
import { eventually } from "../../support/Eventually.js"
import { brokerCommits, queuesOf, startLitePull } from "../../support/LitePullStack.js"
import { received } from "../../support/ReceivedMessage.js"
import { tempDir } from "../../support/TempDir.js"

const Order = Schema.Struct({ id: Schema.String, total: Schema.BigDecimal })
const Orders = Topic.make("Orders", Order, {
  tags: Schema.Literal("created", "cancelled"),
  keys: Schema.NumberFromString.pipe(Schema.int())
})
const order = (i: number) => Schema.decodeSync(Order)({ id: `o-${i}`, total: `${i}.50` })

/** Sends, in order, typed orders (by number) and malformed bodies (text) to the one-queue Orders topic. */
const sendInOrder = (items: ReadonlyArray<number | string>) =>
  Effect.flatMap(Producer, (producer) =>
    Effect.forEach(items, (item) =>
      typeof item === "number"
        ? producer.send(Orders, order(item), { tags: "created", keys: [item] })
        : producer.send({ topic: "Orders", body: Buffer.from(item), tags: "created" })))

/** The messages of a topic's queue 0 on the broker (a group's retry or dead-letter topic). */
const messagesOn = (topic: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const answer = yield* client.invoke(cluster.brokers[0]!.address, pull(topic, 0))
    return answer.body === undefined ? [] : Either.getOrElse(decodeMessages(answer.body), () => [])
  }).pipe(Effect.orElseSucceed((): ReadonlyArray<MessageExt> => []))

/** A one-queue Orders topic holding `items`, and a lite pull consumer of it from its first offset. */
const typedSetup = (group: string, items: ReadonlyArray<number | string>) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
    yield* sendInOrder(items)
    const [queue] = yield* queuesOf("Orders", 1)
    const started = yield* startLitePull("c1", {
      group,
      subscriptions: [{ topic: "Orders" }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
    })
    return { ...started, queue: queue! }
  })

/** Typed polls until `count` values were handed out. */
const typedPollValues = (consumer: LitePullConsumerService, count: number, onDecodeError: Topic.DecodeErrorPolicy) =>
  Effect.gen(function*() {
    const values: Array<Topic.Decoded<typeof Order.Type, "created" | "cancelled", number>> = []
    while (values.length < count) {
      values.push(...(yield* LitePullConsumer.typedPoll(Orders, { onDecodeError, timeout: "30 seconds" })))
    }
    return values
  }).pipe(Effect.provideService(LitePullConsumer, consumer))

const ids = (values: ReadonlyArray<Topic.Decoded<typeof Order.Type, unknown, unknown>>) => values.map((d) => d.value.id)

describe("typed topics on the lite pull consumer", () => {
  it.prop(
    "Topic.decodeAll: every message either decodes or not, each side in the batch's order",
    [fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom("{not json", "[]", "")), { maxLength: 20 })],
    ([items]) => {
      const messages = items.map((item, offset) =>
        received(
          typeof item === "number"
            ? Either.getOrThrow(Topic.encode(Orders, order(item)))
            : { topic: "Orders", body: Buffer.from(item) },
          offset
        )
      )
      const { decoded, undecodable } = Topic.decodeAll(Orders, messages)
      expect(decoded.map((d) => d.value)).toEqual(items.filter((i) => typeof i === "number").map(order))
      expect(undecodable.map((e) => bodyText(e.raw))).toEqual(items.filter((i) => typeof i === "string"))
      expect(
        [...decoded.map((d) => d.message), ...undecodable.map((e) => e.raw)].map((m) => m.queueOffset).sort(
          (a, b) => a - b
        )
      ).toEqual(messages.map((m) => m.queueOffset))
    }
  )

  it.scoped("a typed send arrives decoded at a typed poll: value, tags and keys", () =>
    Effect.gen(function*() {
      const { close, consumer } = yield* typedSetup("typed_pull", [1, 2, 3])
      const values = yield* typedPollValues(consumer, 3, "fail")
      expect(values.map((d) => d.value)).toEqual([order(1), order(2), order(3)])
      expect(values.map((d) => [d.tags, d.keys])).toEqual([["created", [1]], ["created", [2]], ["created", [3]]])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("\"retry\": a malformed body goes to %RETRY%group after its delay; the poll hands out the rest", () =>
    Effect.gen(function*() {
      const { close, consumer, queue } = yield* typedSetup("typed_retry", [1, "{not json", 2])
      expect(ids(yield* typedPollValues(consumer, 2, "retry"))).toEqual(["o-1", "o-2"])
      // Sent back with delay level 0: the broker holds it for level 3 (10 s), then puts it on the retry topic.
      yield* TestClock.adjust("9 seconds")
      expect(yield* messagesOn("%RETRY%typed_retry")).toEqual([])
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(messagesOn("%RETRY%typed_retry"), (ms) => ms.length === 1), {
        what: "the malformed message on the retry topic"
      })
      const [retried] = yield* messagesOn("%RETRY%typed_retry")
      expect([bodyText(retried!), retried!.reconsumeTimes]).toEqual(["{not json", 1])
      expect(yield* messagesOn("%DLQ%typed_retry")).toEqual([])
      // The offset moves past the message that was sent back.
      yield* consumer.commitSync
      expect(yield* consumer.committed(queue)).toBe(3)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("\"dead-letter\": a malformed body lands in %DLQ%group at once; the offset moves past it", () =>
    Effect.gen(function*() {
      const { close, consumer, queue } = yield* typedSetup("typed_dlq", [1, "{not json", 2])
      expect(ids(yield* typedPollValues(consumer, 2, "dead-letter"))).toEqual(["o-1", "o-2"])
      const dead = yield* messagesOn("%DLQ%typed_dlq")
      expect(dead.map(bodyText)).toEqual(["{not json"])
      expect(yield* messagesOn("%RETRY%typed_dlq")).toEqual([])
      yield* consumer.commitSync
      expect(yield* consumer.committed(queue)).toBe(3)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("\"fail\": the poll fails with the raw message, nothing of its batch committed; it comes again", () =>
    Effect.gen(function*() {
      const { close, consumer, queue } = yield* typedSetup("typed_fail", [1, "{not json", 2])
      const poll = LitePullConsumer.typedPoll(Orders, { onDecodeError: "fail", timeout: "30 seconds" }).pipe(
        Effect.provideService(LitePullConsumer, consumer)
      )
      const error = yield* Effect.flip(poll)
      expect(error).toMatchObject({ _tag: "MessageDecodeError", topic: "Orders", part: "body" })
      expect(error._tag === "MessageDecodeError" && [bodyText(error.raw), error.raw.queueOffset]).toEqual([
        "{not json",
        1
      ])
      yield* consumer.commitSync
      expect(yield* consumer.committed(queue)).toBe(0)
      // Nothing was sent back; the batch is handed out again (here with a policy that lets the rest through).
      expect(ids(yield* typedPollValues(consumer, 2, "dead-letter"))).toEqual(["o-1", "o-2"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("a send-back that fails fails the poll, nothing of its batch committed; the next poll sends it back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const { close, consumer, queue } = yield* typedSetup("typed_backfail", [1, "{not json", 2])
      yield* cluster.failNext(
        cluster.brokers[0]!.name,
        RequestCode.CONSUMER_SEND_MSG_BACK,
        1,
        ResponseCode.SYSTEM_ERROR
      )
      const error = yield* Effect.flip(
        LitePullConsumer.typedPoll(Orders, { onDecodeError: "dead-letter", timeout: "30 seconds" }).pipe(
          Effect.provideService(LitePullConsumer, consumer)
        )
      )
      expect(error).toMatchObject({ _tag: "BrokerResponseError", responseCode: ResponseCode.SYSTEM_ERROR })
      yield* consumer.commitSync
      expect(yield* consumer.committed(queue)).toBe(0)
      expect(yield* messagesOn("%DLQ%typed_backfail")).toEqual([])
      expect(ids(yield* typedPollValues(consumer, 2, "dead-letter"))).toEqual(["o-1", "o-2"])
      expect((yield* messagesOn("%DLQ%typed_backfail")).map(bodyText)).toEqual(["{not json"])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("broadcasting: a malformed body is dropped, never sent back (there is no retry or dead-letter topic)", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendInOrder([1, "{not json", 2])
      const { close, consumer } = yield* startLitePull("b1", {
        group: "typed_broadcast",
        subscriptions: [{ topic: "Orders" }],
        messageModel: "BROADCASTING",
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        localOffsetStoreDir: yield* tempDir("typed-broadcast")
      })
      expect(ids(yield* typedPollValues(consumer, 2, "retry"))).toEqual(["o-1", "o-2"])
      const sentBack = (yield* cluster.receivedRequests(cluster.brokers[0]!.name))
        .filter((r) => r.code === RequestCode.CONSUMER_SEND_MSG_BACK)
      expect(sentBack).toEqual([])
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))

  it.scoped("a typed stream: decoded batches, each committed when the next is asked for; \"fail\" ends it", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendInOrder([1, "{not json", 2])
      const [q] = yield* queuesOf("Orders", 1)
      const options = {
        group: "typed_stream",
        subscriptions: [{ topic: "Orders" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET" as const
      }
      const failed = yield* LitePullConsumer.typedStream(Orders, { ...options, onDecodeError: "fail" }).pipe(
        Stream.runCollect,
        Effect.flip,
        Effect.provide(clientStack("s1"))
      )
      expect(failed).toMatchObject({ _tag: "MessageDecodeError", part: "body" })
      const batches = yield* LitePullConsumer.typedStream(Orders, { ...options, onDecodeError: "dead-letter" }).pipe(
        Stream.tap((values) => ids(values).includes("o-1") ? sendInOrder([3]) : Effect.void),
        Stream.take(2),
        Stream.runCollect,
        Effect.provide(clientStack("s2"))
      )
      expect(Chunk.toReadonlyArray(batches).map(ids)).toEqual([["o-1", "o-2"], ["o-3"]])
      expect((yield* messagesOn("%DLQ%typed_stream")).map(bodyText)).toEqual(["{not json"])
      // The first batch (past the malformed message) was committed when the second was asked for; not the second.
      yield* eventually(Effect.map(brokerCommits("typed_stream"), (c) => c.get(messageQueueKey(q!)) === 3), {
        what: "offset 3 committed on the broker"
      })
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
