import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Exit, Fiber, Layer, Metric, MetricState, Scope, TestClock } from "effect"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import { replyMessageOf } from "../../src/layers/RequestFuturesLive.js"
import { decodeMessages, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { stringToProperties } from "../../src/protocol/MessageProperties.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { MessageValidationError } from "../../src/services/Message.js"
import { Producer } from "../../src/services/Producer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { createReplyMessage, ReplyMessageError } from "../../src/services/Reply.js"
import { RequestClosedError, RequestFutures, RequestTimeoutError } from "../../src/services/RequestFutures.js"
import { bodyText, clientStack, startConsumer } from "../support/ConsumerStack.js"
import { pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"
import { keptLogs, type Logged } from "../support/KeptLogs.js"

const requester = (instanceName = "requester") =>
  ProducerLive.layer({ group: "requester_group" }).pipe(Layer.provideMerge(clientStack(instanceName)))

/** A producer in a client instance of its own, for the replying side. */
const replierProducer = Effect.map(
  Layer.build(ProducerLive.layer({ group: "replier_producer" }).pipe(Layer.provideMerge(clientStack("replier-p")))),
  (context) => Context.get(context, Producer)
)

/** A push consumer of `topic` that answers every request with `answer`'s text, through a producer of its own. */
const startReplier = (topic: string, answer: (request: MessageExt) => string) =>
  Effect.gen(function*() {
    const producer = yield* replierProducer
    const replier = yield* startConsumer("replier", {
      group: "replier_group",
      subscriptions: [{ topic }],
      handler: (messages) =>
        Effect.as(
          Effect.forEach(
            messages,
            (m) => Effect.flatMap(createReplyMessage(m, Buffer.from(answer(m))), (reply) => producer.send(reply)),
            { discard: true }
          ),
          "CONSUME_SUCCESS" as const
        )
    })
    yield* Effect.addFinalizer(() => replier.close)
    yield* eventually(Effect.map(replier.consumer.assignedQueues, (queues) => queues.length > 0), {
      what: "the replier holds the request topic's queues",
      bound: "20 seconds"
    })
    return replier
  })

const requestsOf = (code: number) =>
  Effect.flatMap(
    EmbeddedCluster,
    (cluster) => Effect.map(cluster.receivedRequests("broker-a"), (all) => all.filter((r) => r.code === code))
  )

/** The transport's calls in flight now (its gauge). */
const callsInFlight = Effect.map(
  Metric.snapshot,
  (pairs) =>
    pairs.reduce(
      (n, pair) =>
        pair.metricKey.name === "rocketmq_remoting_in_flight" && MetricState.isGaugeState(pair.metricState)
          ? n + Number(pair.metricState.value)
          : n,
      0
    )
)

/** The request has reached the broker and its send's answer has come back: only the wait for the reply is left. */
const requestSent = Effect.gen(function*() {
  yield* eventually(Effect.map(requestsOf(RequestCode.SEND_MESSAGE_V2), (r) => r.length === 1), {
    what: "the broker received the request"
  })
  yield* eventually(Effect.map(callsInFlight, (n) => n === 0), { what: "the send's answer came back" })
  yield* fibersSettle()
})

describe("request-reply", () => {
  it.scopedLive("a request is answered by a consumer's reply, with Java's properties on both", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 4, writeQueueNums: 4 })
      const seen: Array<MessageExt> = []
      yield* startReplier("Requests", (m) => {
        seen.push(m)
        return `re: ${bodyText(m)}`
      })
      const producer = yield* Producer
      const { clientId } = yield* ClientInstance
      const reply = yield* producer.request({ topic: "Requests", body: Buffer.from("ping") }, { timeout: "10 seconds" })
      expect(bodyText(reply)).toBe("re: ping")
      const request = seen[0]!
      expect(request.properties).toMatchObject({ REPLY_TO_CLIENT: clientId, TTL: "10000", CLUSTER: "DefaultCluster" })
      expect(request.properties.CORRELATION_ID).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/
      )
      expect(reply.topic).toBe("DefaultCluster_REPLY_TOPIC")
      expect(reply.properties).toMatchObject({
        MSG_TYPE: "reply",
        CORRELATION_ID: request.properties.CORRELATION_ID,
        REPLY_TO_CLIENT: clientId,
        TTL: "10000"
      })
      expect(Number(reply.properties.PUSH_REPLY_TIME)).toBeGreaterThan(0)
      expect(Number(reply.properties.ARRIVE_TIME)).toBeGreaterThan(0)
      // The reply went as SEND_REPLY_MESSAGE_V2, and the broker keeps it in the reply topic as well (once it has
      // pushed it: the request may see its reply first).
      expect((yield* requestsOf(RequestCode.SEND_REPLY_MESSAGE_V2)).length).toBe(1)
      const client = yield* RemotingClient
      const storedReplies = Effect.map(
        client.invoke(cluster.brokers[0]!.address, pull("DefaultCluster_REPLY_TOPIC", 0)),
        (pulled) => Either.getOrElse(decodeMessages(pulled.body ?? new Uint8Array(0)), () => [])
      )
      yield* eventually(Effect.map(Effect.orDie(storedReplies), (stored) => stored.length === 1), {
        what: "the broker stored the reply"
      })
      const [stored] = yield* storedReplies
      expect(stored!.properties.CORRELATION_ID).toBe(request.properties.CORRELATION_ID)
      expect(stored!.properties.PUSH_REPLY_TIME).toBeUndefined()

      // Many requests at once: each gets its own reply.
      const replies = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (i) => producer.request({ topic: "Requests", body: Buffer.from(`ping ${i}`) }, { timeout: "10 seconds" }),
        { concurrency: "unbounded" }
      )
      expect(replies.map(bodyText)).toEqual(Array.from({ length: 20 }, (_, i) => `re: ping ${i}`))
      expect(yield* (yield* RequestFutures).pending).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(requester()), Effect.provide(withCluster())))

  it.scopedLive("a request to a chosen queue, or through a selector, lands on that queue", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 4, writeQueueNums: 4 })
      yield* startReplier("Requests", (m) => `queue ${m.queueId}`)
      const producer = yield* Producer
      const toQueue = yield* producer.request({ topic: "Requests", body: Buffer.from("a") }, {
        timeout: "10 seconds",
        queue: { topic: "Requests", brokerName: "broker-a", queueId: 3 }
      })
      expect(bodyText(toQueue)).toBe("queue 3")
      const bySelector = yield* producer.request({ topic: "Requests", body: Buffer.from("b") }, {
        timeout: "10 seconds",
        selector: (queues) => queues.find((q) => q.queueId === 2)!
      })
      expect(bodyText(bySelector)).toBe("queue 2")
    }).pipe(Effect.scoped, Effect.provide(requester()), Effect.provide(withCluster())))

  it.scoped("no reply within the timeout is a RequestTimeoutError, and the request leaves the table", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 1, writeQueueNums: 1 })
      const producer = yield* Producer
      const futures = yield* RequestFutures
      // A bad message is refused at once, nothing sent.
      const bad = yield* Effect.flip(
        producer.request({ topic: "bad topic!", body: Buffer.from("x") }, { timeout: "3 seconds" })
      )
      expect(bad).toBeInstanceOf(MessageValidationError)
      const fiber = yield* Effect.fork(
        producer.request({ topic: "Requests", body: Buffer.from("ping") }, { timeout: "3 seconds" })
      )
      yield* requestSent
      expect(yield* futures.pending).toBe(1)
      yield* TestClock.adjust("2999 millis")
      yield* fibersSettle()
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 milli")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toBeInstanceOf(RequestTimeoutError)
      expect(error.message).toBe("send request message to <Requests> OK, but wait reply message timeout, 3000 ms.")
      expect(yield* futures.pending).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(requester()), Effect.provide(withCluster())))

  it.scoped("a reply that comes after its request timed out is logged once and dropped; its replier sees no error", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 1, writeQueueNums: 1 })
      const producer = yield* Producer
      const fiber = yield* Effect.fork(
        producer.request({ topic: "Requests", body: Buffer.from("ping") }, { timeout: "3 seconds" })
      )
      yield* requestSent
      yield* TestClock.adjust("3 seconds")
      expect(yield* Effect.flip(Fiber.join(fiber))).toBeInstanceOf(RequestTimeoutError)

      // The replier reads the request from the broker and answers it late.
      const client = yield* RemotingClient
      const [request] = Either.getOrThrow(
        decodeMessages((yield* client.invoke(cluster.brokers[0]!.address, pull("Requests", 0))).body!)
      )
      const replier = yield* replierProducer
      const sent = yield* replier.send(yield* createReplyMessage(request!, Buffer.from("too late")))
      expect(sent.sendStatus).toBe("SEND_OK")
      const dropped = logs.filter((l) => l.message === "receive reply message, but not matched any request")
      expect(dropped).toHaveLength(1)
      expect(dropped[0]!.annotations.correlationId).toBe(request!.properties.CORRELATION_ID)
      expect(yield* (yield* RequestFutures).pending).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(requester()), Effect.provide(withCluster()), Effect.provide(keptLogs(logs)))
  })

  it.scoped("a reply to a client that has left is refused by the broker: no channel of that client", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 1, writeQueueNums: 1 })
      const replier = yield* replierProducer
      const request = {
        properties: stringToProperties(
          "CLUSTER\u0001DefaultCluster\u0002CORRELATION_ID\u0001c-1\u0002REPLY_TO_CLIENT\u000110.0.0.9@gone\u0002TTL\u00013000"
        )
      }
      const error = yield* Effect.flip(
        replier.send(yield* createReplyMessage(request, Buffer.from("x")), { timeout: "1 minute" })
      )
      expect(error).toMatchObject({
        _tag: "BrokerResponseError",
        responseCode: 1,
        remark: "push reply message fail, channel of <10.0.0.9@gone> not found."
      })
    }).pipe(Effect.scoped, Effect.provide(withCluster())))

  it.scoped("closing the producer ends its requests still waiting with a RequestClosedError; an interrupted request leaves the table", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Requests", { readQueueNums: 1, writeQueueNums: 1 })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(requester(), scope)
      const producer = Context.get(context, Producer)
      const futures = Context.get(context, RequestFutures)
      const waiting = yield* Effect.fork(
        producer.request({ topic: "Requests", body: Buffer.from("a") }, { timeout: "1 minute" })
      )
      yield* requestSent
      const interrupted = yield* Effect.fork(
        producer.request({ topic: "Requests", body: Buffer.from("b") }, { timeout: "1 minute" })
      )
      yield* eventually(Effect.map(futures.pending, (n) => n === 2), { what: "two requests wait" })
      yield* Fiber.interrupt(interrupted)
      expect(yield* futures.pending).toBe(1)
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(Fiber.join(waiting))
      expect(error).toBeInstanceOf(RequestClosedError)
      expect(error).toMatchObject({ closed: "producer" })
      expect(yield* futures.pending).toBe(0)
    }).pipe(Effect.scoped, Effect.provide(withCluster())))
})

describe("reply messages", () => {
  it("createReplyMessage answers to the request's cluster's reply topic, with its correlation id, client and TTL", () => {
    const request = {
      properties: { CLUSTER: "c1", CORRELATION_ID: "id-1", REPLY_TO_CLIENT: "10.0.0.1@x", TTL: "3000", KEYS: "k" }
    }
    expect(Either.getOrThrow(createReplyMessage(request, Buffer.from("r")))).toEqual({
      topic: "c1_REPLY_TOPIC",
      body: Buffer.from("r"),
      systemProperties: { MSG_TYPE: "reply", CORRELATION_ID: "id-1", REPLY_TO_CLIENT: "10.0.0.1@x", TTL: "3000" }
    })
    const refused = Either.getLeft(createReplyMessage({ properties: { CORRELATION_ID: "id-1" } }, Buffer.from("r")))
    expect(refused._tag === "Some" && refused.value).toBeInstanceOf(ReplyMessageError)
  })

  it("a pushed reply becomes a message: hosts read from `ip:port` or Java's `/ip:port`, the arrival time added", () => {
    const message = replyMessageOf(
      {
        producerGroup: "g",
        topic: "DefaultCluster_REPLY_TOPIC",
        defaultTopic: "TBW102",
        defaultTopicQueueNums: 4,
        queueId: 0,
        sysFlag: 0,
        bornTimestamp: 5,
        flag: 0,
        properties: "CORRELATION_ID\u0001id-1\u0002UNIQ_KEY\u0001ABC",
        bornHost: "/10.0.0.2:4000",
        storeHost: "10.0.0.3:10911",
        storeTimestamp: 7
      },
      Buffer.from("r"),
      9
    )
    expect(message).toMatchObject({
      topic: "DefaultCluster_REPLY_TOPIC",
      msgId: "ABC",
      bornHost: { host: "10.0.0.2", port: 4000 },
      storeHost: { host: "10.0.0.3", port: 10911 },
      bornTimestamp: 5,
      storeTimestamp: 7,
      properties: { CORRELATION_ID: "id-1", UNIQ_KEY: "ABC", ARRIVE_TIME: "9" }
    })
  })
})
