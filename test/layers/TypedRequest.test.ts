import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Exit, Layer, Schema } from "effect"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import type { Message } from "../../src/services/Message.js"
import { Producer } from "../../src/services/Producer.js"
import { ReplyMessageError } from "../../src/services/Reply.js"
import * as Topic from "../../src/services/Topic.js"
import * as TypedRequest from "../../src/services/TypedRequest.js"
import { clientStack, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

const Quote = Topic.make("Quotes", Schema.Struct({ symbol: Schema.String, amount: Schema.Number }))
const Price = Topic.make("QuoteReplies", Schema.Struct({ symbol: Schema.String, price: Schema.Number }))

const requester = ProducerLive.layer({ group: "typed_requester" }).pipe(Layer.provideMerge(clientStack("requester")))

/** A push consumer of the request topic that answers each request with `answer`'s message, via a producer of its own. */
const startReplier = (answer: (request: MessageExt) => Effect.Effect<Message>) =>
  Effect.gen(function*() {
    const producer = Context.get(
      yield* Layer.build(
        ProducerLive.layer({ group: "typed_replier_producer" }).pipe(Layer.provideMerge(clientStack("replier-p")))
      ),
      Producer
    )
    const replier = yield* startConsumer("replier", {
      group: "typed_replier",
      subscriptions: [{ topic: Quote.name }],
      handler: (messages) =>
        Effect.as(
          Effect.forEach(messages, (m) => Effect.flatMap(answer(m), (reply) => producer.send(reply)), {
            discard: true
          }),
          "CONSUME_SUCCESS" as const
        )
    })
    yield* Effect.addFinalizer(() => replier.close)
    yield* eventually(Effect.map(replier.consumer.assignedQueues, (queues) => queues.length > 0), {
      what: "the replier holds the request topic's queues",
      bound: "20 seconds"
    })
  })

describe("typed request-reply", () => {
  it.scopedLive("a typed request is answered with a typed reply, both checked by their schemas", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic(Quote.name)
      yield* startReplier((m) =>
        Effect.orDie(
          Effect.flatMap(Topic.decode(Quote, m), (request) =>
            TypedRequest.reply(Price, m, { symbol: request.value.symbol, price: request.value.amount * 2 }))
        )
      )
      const answer = yield* TypedRequest.request(Quote, { symbol: "RMQ", amount: 21 }, {
        reply: Price,
        timeout: "10 seconds",
        keys: ["quote-1"]
      })
      expect(answer.value).toEqual({ symbol: "RMQ", price: 42 })
      expect(answer.message.topic).toBe("DefaultCluster_REPLY_TOPIC")
    }).pipe(Effect.scoped, Effect.provide(requester), Effect.provide(withCluster())))

  it.scopedLive("a reply its schema refuses is a MessageDecodeError carrying the raw reply", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic(Quote.name)
      yield* startReplier((m) =>
        Effect.orDie(TypedRequest.reply(Topic.make("Free", Schema.Unknown), m, { symbol: "RMQ", price: "free" }))
      )
      const exit = yield* Effect.exit(
        TypedRequest.request(Quote, { symbol: "RMQ", amount: 1 }, { reply: Price, timeout: "10 seconds" })
      )
      expect(Exit.isFailure(exit)).toBe(true)
      const error = Exit.isFailure(exit) ? exit.cause : undefined
      const failure = error?._tag === "Fail" ? error.error : undefined
      expect(failure?._tag).toBe("MessageDecodeError")
      expect(failure?._tag === "MessageDecodeError" && JSON.parse(Buffer.from(failure.raw.body).toString())).toEqual({
        symbol: "RMQ",
        price: "free"
      })
    }).pipe(Effect.scoped, Effect.provide(requester), Effect.provide(withCluster())))

  it.effect("a value its schema refuses is refused before any request; a reply needs the request's cluster", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(
        TypedRequest.request(Quote, { symbol: "RMQ", amount: "x" as unknown as number }, {
          reply: Price,
          timeout: "1 second"
        })
      )
      expect(refused._tag).toBe("MessageEncodeError")
      const noCluster = TypedRequest.reply(Price, { properties: {} }, { symbol: "RMQ", price: 1 })
      expect(Either.isLeft(noCluster) && noCluster.left).toBeInstanceOf(ReplyMessageError)
    }).pipe(
      // No producer call happens: the value is refused first.
      Effect.provideService(Producer, {} as Producer["Type"])
    ))
})
