import { describe, expect, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { bodyText, eventually, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"

/** A handler that records what it is given, counted by body. */
const recorder = Effect.gen(function*() {
  const seen = yield* Ref.make(new Map<string, number>())
  const handler = (messages: ReadonlyArray<MessageExt>) =>
    Effect.as(
      Ref.update(seen, (m) => {
        const next = new Map(m)
        for (const message of messages) next.set(bodyText(message), (next.get(bodyText(message)) ?? 0) + 1)
        return next
      }),
      "CONSUME_SUCCESS" as const
    )
  return { seen, handler }
})

describe("the push consumer", () => {
  it.scopedLive("consumes every message produced, none lost", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* produce("Orders", 200)
      const { handler, seen } = yield* recorder
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        handler
      })
      yield* eventually(Effect.map(Ref.get(seen), (m) => m.size === 200))
      expect((yield* consumer.assignedQueues).filter((q) => q.topic === "Orders").length).toBe(8)
      yield* close
      const counts = [...(yield* Ref.get(seen)).values()]
      expect(counts.every((c) => c === 1)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))
})
