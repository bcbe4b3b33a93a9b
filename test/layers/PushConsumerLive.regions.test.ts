import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Ref } from "effect"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { bodyText, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

// A consumer may be started and closed from an uninterruptible region (a layer's acquire, a finalizer): the fibers it
// forks (pull loops, consume workers, lock renewal, retries) must still stop when it closes.
describe("a push consumer started and closed in an uninterruptible region", () => {
  for (const orderly of [false, true]) {
    it.live(`${orderly ? "orderly" : "concurrent"}: consumes, then closes in time`, () =>
      Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
        yield* produce("Orders", 20).pipe(Effect.provide(producerLayer()))
        const got = yield* Ref.make<Array<string>>([])
        const { close } = yield* Effect.uninterruptible(startConsumer("c1", {
          group: "orders_consumer",
          subscriptions: [{ topic: "Orders" }],
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
          orderly,
          handler: (messages) => Effect.as(Ref.update(got, (g) => [...g, ...messages.map(bodyText)]), "CONSUME_SUCCESS")
        }))
        yield* eventually(Effect.map(Ref.get(got), (g) => g.length === 20), { what: "20 messages consumed" })
        // Disconnected, so that the timeout can answer even if the uninterruptible close never ends.
        const closed = yield* Effect.timeout(Effect.disconnect(Effect.uninterruptible(close)), "10 seconds").pipe(
          Effect.option
        )
        expect(Option.isSome(closed)).toBe(true)
        expect(new Set(yield* Ref.get(got)).size).toBe(20)
      }).pipe(Effect.provide(withCluster({ brokers: 1 })), Effect.scoped))
  }
})
