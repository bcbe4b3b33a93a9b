// A real broker killed (kill -9) and started again on the same store, mid-produce and mid-consume: nothing the broker
// acknowledged is lost.
import { expect } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { bodyText, collect, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

describeReal("a real broker killed and restarted", {}, (it) => {
  it.test("mid-produce: every acknowledged message is consumed afterwards", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const broker = cluster.brokers[0]!
      const topic = unique("KillProduce")
      const p = yield* Producer
      yield* p.send({ topic, body: text("route") })
      const acked = new Set<string>()
      let failures = 0
      const halfway = yield* Deferred.make<void>()
      // One sender after another until 400 are acknowledged; failed sends (while the broker is down) are counted.
      const sender = yield* Effect.fork(Effect.gen(function*() {
        for (let i = 0; acked.size < 400; i++) {
          const sent = yield* Effect.either(p.send({ topic, body: text(`m-${i}`) }, { timeout: "2 seconds" }))
          if (sent._tag === "Right") acked.add(`m-${i}`)
          else failures++
          if (acked.size === 100) yield* Deferred.succeed(halfway, undefined)
        }
      }))
      yield* Deferred.await(halfway)
      yield* broker.kill
      yield* broker.restart
      yield* Fiber.join(sender).pipe(Effect.timeout("90 seconds"))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      yield* eventually(
        Effect.sync(() => [...acked].every((b) => c.received.some((m) => bodyText(m) === b))),
        "90 seconds"
      )
      expect(acked.size).toBe(400)
      yield* Effect.logInfo(`sends failed while the broker was down: ${failures}`)
    }).pipe(Effect.provide(producer())), 240_000)

  it.test(
    "mid-consume: every message is consumed (duplicates allowed) after the broker comes back",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const broker = cluster.brokers[0]!
        const topic = unique("KillConsume")
        const p = yield* Producer
        const sent = yield* Effect.forEach(
          Array.from({ length: 500 }, (_, i) => i),
          (i) => p.send({ topic, body: text(`m-${i}`) }),
          { concurrency: 16 }
        )
        expect(sent).toHaveLength(500)
        const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }], pullBatchSize: 8 })
        yield* c.awaitCount(50)
        yield* broker.kill
        yield* broker.restart
        yield* eventually(Effect.sync(() => new Set(c.received.map(bodyText)).size === 500), "120 seconds")
      }).pipe(Effect.provide(producer())),
    240_000
  )
})
