import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Ref, TestClock } from "effect"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { bodyText, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually, waitingOrDone } from "../support/Eventually.js"

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

describe("a push consumer's shutdown", () => {
  it.scoped("does not wait past its shutdown timeout for a rebalance round that is still running", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const { close, consumer } = yield* startConsumer("c1", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }],
        shutdownTimeout: "1 second",
        handler: () => Effect.succeed("CONSUME_SUCCESS" as const)
      }, { apiTimeoutMillis: 600_000, shutdownTimeoutMillis: 2000 })
      yield* eventually(Effect.map(consumer.assignedQueues, (q) => q.length >= 2), { what: "the queues taken" })
      yield* consumer.rebalance // waits for the start's round to end: from here no round runs but ours
      // Every answer of the broker now takes ten minutes: a rebalance round started now hangs on its first request.
      yield* cluster.setLatency("broker-a", "10 minutes")
      // A round's first request: the group's members.
      const roundRequests = Effect.map(
        cluster.receivedRequests("broker-a"),
        (all) => all.filter((r) => r.code === RequestCode.GET_CONSUMER_LIST_BY_GROUP).length
      )
      const before = yield* roundRequests
      yield* Effect.fork(consumer.rebalance)
      yield* eventually(Effect.map(roundRequests, (n) => n > before), { what: "a round waiting on the broker" })
      const closing = yield* Effect.fork(close)
      let seconds = 0
      while (!(yield* waitingOrDone(closing)) || (yield* Fiber.poll(closing))._tag === "None") {
        if (seconds > 30) break
        yield* TestClock.adjust("1 second")
        seconds++
        yield* eventually(waitingOrDone(closing), { what: "the close waiting or done" })
      }
      // Each step ends by its deadline, not the ten minutes the round would take: the consumer's own (1 s for the
      // round, 1 s for the handlers' drain), then the client's (2 s to unregister the group, 2 s for the instance's
      // shutdown), the broker answering none of them in time.
      expect(Option.isSome(yield* Fiber.poll(closing))).toBe(true)
      expect(seconds).toBeLessThanOrEqual(6)
    }).pipe(Effect.provide(withCluster({ brokers: 1 }))))
})
