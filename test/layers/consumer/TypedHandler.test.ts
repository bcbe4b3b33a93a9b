import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Ref, Schema } from "effect"
import { typedHandler } from "../../../src/layers/consumer/TypedHandler.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import type { ConsumeResult } from "../../../src/services/PushConsumer.js"
import * as Topic from "../../../src/services/Topic.js"
import { received } from "../../support/ReceivedMessage.js"

const Orders = Topic.make("Orders", Schema.Struct({ id: Schema.String }))
const Payments = Topic.make("Payments", Schema.Struct({ amount: Schema.Number }))

/** A received message of `topic` with a JSON body (the typed handler tells messages apart by identity). */
const message = (topic: string, body: unknown): MessageExt =>
  received({ topic, body: Buffer.from(JSON.stringify(body)) })

const context = { queue: { topic: "%RETRY%g", brokerName: "broker-a", queueId: 0 } }

/** Two typed subscriptions whose handlers record what they are given and answer `answer`. */
const subscriptions = (
  orders: Topic.DecodeErrorPolicy,
  payments: Topic.DecodeErrorPolicy,
  answer: ConsumeResult = "CONSUME_SUCCESS"
) =>
  Effect.map(Ref.make<ReadonlyArray<string>>([]), (seen) => ({
    seen,
    subscriptions: [
      Topic.subscribe(Orders, {
        onDecodeError: orders,
        handler: (decoded) => Effect.as(Ref.update(seen, (s) => [...s, ...decoded.map((d) => d.value.id)]), answer)
      }),
      Topic.subscribe(Payments, {
        onDecodeError: payments,
        handler: (decoded) =>
          Effect.as(Ref.update(seen, (s) => [...s, ...decoded.map((d) => String(d.value.amount))]), "CONSUME_SUCCESS")
      })
    ]
  }))

describe("the typed handler in front of a consumer's handler path", () => {
  it.effect("a batch mixing topics: each topic's handler gets its decoded messages; the undecodable are set apart", () =>
    Effect.gen(function*() {
      const { seen, subscriptions: subs } = yield* subscriptions("dead-letter", "retry")
      const badOrder = message("Orders", { id: 1 })
      const badPayment = message("Payments", "x")
      const batch = [message("Orders", { id: "a" }), badOrder, message("Payments", { amount: 5 }), badPayment]
      const outcome = yield* typedHandler(subs, false)(batch, context)
      expect(outcome).toEqual({
        result: "CONSUME_SUCCESS",
        setApart: [{ message: badOrder, delayLevel: -1 }, { message: badPayment, delayLevel: 0 }]
      })
      expect(yield* Ref.get(seen)).toEqual(["a", "5"])
    }))

  it.effect("one handler answering RECONSUME_LATER makes the rest of the batch RECONSUME_LATER", () =>
    Effect.gen(function*() {
      const { subscriptions: subs } = yield* subscriptions("retry", "retry", "RECONSUME_LATER")
      const outcome = yield* typedHandler(subs, false)(
        [message("Orders", { id: "a" }), message("Payments", { amount: 1 })],
        context
      )
      expect(outcome).toBe("RECONSUME_LATER")
    }))

  it.effect("\"fail\": the batch fails with the MessageDecodeError and no handler runs", () =>
    Effect.gen(function*() {
      const { seen, subscriptions: subs } = yield* subscriptions("retry", "fail")
      const bad = message("Payments", [])
      const exit = yield* Effect.exit(typedHandler(subs, false)([message("Orders", { id: "a" }), bad], context))
      expect(exit).toMatchObject(Exit.fail(expect.objectContaining({ _tag: "MessageDecodeError", raw: bad })))
      expect(yield* Ref.get(seen)).toEqual([])
    }))

  it.effect("orderly, \"retry\": the whole batch is consumed again later, no handler run", () =>
    Effect.gen(function*() {
      const { seen, subscriptions: subs } = yield* subscriptions("retry", "retry")
      const outcome = yield* typedHandler(subs, true)([message("Orders", { id: "a" }), message("Orders", 1)], context)
      expect(outcome).toBe("RECONSUME_LATER")
      expect(yield* Ref.get(seen)).toEqual([])
    }))

  it.effect("a message of a topic with no typed subscription fails the batch", () =>
    Effect.gen(function*() {
      const { subscriptions: subs } = yield* subscriptions("retry", "retry")
      const error = yield* Effect.flip(typedHandler(subs, false)([message("Refunds", {})], context))
      expect(error).toMatchObject({ _tag: "MessageDecodeError", topic: "Refunds" })
    }))
})
