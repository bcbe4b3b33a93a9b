// Timer messages (RocketMQ 5.x: deliverTime, delay) through the producer and a push consumer on the embedded cluster in
// 5.0 mode, under the TestClock.
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Ref, TestClock } from "effect"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { Producer } from "../../src/services/Producer.js"
import { bodyText, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const consumeInto = (log: Ref.Ref<Array<{ readonly message: MessageExt; readonly at: number }>>) =>
  startConsumer("c1", {
    group: "timer_group",
    subscriptions: [{ topic: "Timers" }],
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
    handler: (messages) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (at) =>
          Effect.as(Ref.update(log, (l) => [...l, ...messages.map((message) => ({ message, at }))]), "CONSUME_SUCCESS")
      )
  })

describe("timer messages", () => {
  it.scoped("a message with deliverTime arrives once its time has come, not before", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Timers", { readQueueNums: 4, writeQueueNums: 4 })
      const log = yield* Ref.make<Array<{ readonly message: MessageExt; readonly at: number }>>([])
      const { close } = yield* consumeInto(log)
      const producer = yield* Producer
      const now = yield* Clock.currentTimeMillis
      yield* producer.send({ topic: "Timers", body: Buffer.from("at"), deliverTime: now + 5_500 })
      yield* producer.send({ topic: "Timers", body: Buffer.from("after"), delay: "3 seconds" })
      const received = Effect.map(Ref.get(log), (l) => l.map((d) => bodyText(d.message)))
      yield* TestClock.adjust("2999 millis")
      yield* fibersSettle()
      expect(yield* received).toEqual([])
      yield* TestClock.adjust("1001 millis")
      yield* eventually(Effect.map(received, (r) => r.includes("after")), {
        what: "the delayed message",
        bound: "10 seconds"
      })
      expect(yield* received).toEqual(["after"])
      yield* TestClock.adjust("2 seconds")
      yield* eventually(Effect.map(received, (r) => r.length === 2), { what: "the timed message", bound: "10 seconds" })
      const timed = (yield* Ref.get(log)).find((d) => bodyText(d.message) === "at")!
      expect(timed.at).toBeGreaterThanOrEqual(now + 5_500)
      expect(timed.message.topic).toBe("Timers")
      expect(timed.message.properties.TIMER_DELIVER_MS).toBe(String(now + 5_500))
      expect(timed.message.properties.TIMER_OUT_MS).toBe(String(now + 5_000))
      expect(timed.message.properties.REAL_TOPIC).toBe("Timers")
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, version: "5.0" }))))

  it.scoped("a timer message with a delay level too is refused before anything is sent", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const producer = yield* Producer
      const before = (yield* cluster.receivedRequests(cluster.brokers[0]!.name)).length
      const error = yield* Effect.flip(
        producer.send({ topic: "Timers", body: Buffer.from("x"), deliverTime: 1, delayTimeLevel: 2 })
      )
      expect(error._tag).toBe("MessageValidationError")
      const both = yield* Effect.flip(
        producer.send({ topic: "Timers", body: Buffer.from("x"), deliverTime: 1, delay: 5 })
      )
      expect(both._tag).toBe("MessageValidationError")
      const sends = (yield* cluster.receivedRequests(cluster.brokers[0]!.name)).slice(before)
        .filter((r) => r.code === RequestCode.SEND_MESSAGE_V2)
      expect(sends).toEqual([])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1, version: "5.0" }))))
})
