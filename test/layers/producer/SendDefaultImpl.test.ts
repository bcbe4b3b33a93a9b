import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../../src/protocol/ResponseCode.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { Producer } from "../../../src/services/Producer.js"
import { producerLayer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { recordingTracer } from "../../support/RecordingTracer.js"

const message = { topic: "Orders", body: Buffer.from("hello") }

const refuseNext = (broker: string) =>
  Effect.flatMap(
    EmbeddedCluster,
    (cluster) => cluster.failNext(broker, RequestCode.SEND_MESSAGE_V2, 1, ResponseCode.SYSTEM_ERROR)
  )

/** Sends with and without a tracer go the same way: the same tries, the same answers. */
describe("a send, traced or not", () => {
  for (const traced of [false, true]) {
    it.scoped(`${traced ? "traced" : "untraced"}: retried on another broker than the last; pinned, tried once`, () =>
      Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
        const { spans, tracer } = recordingTracer()
        const sends = Effect.gen(function*() {
          const producer = yield* Producer
          const first = yield* producer.send(message) // the route is fetched: not yet cached
          expect(first.sendStatus).toBe("SEND_OK")
          yield* Effect.forEach(cluster.brokers, (b) => refuseNext(b.name))
          const retried = yield* producer.send(message) // both brokers refuse once; the third try is taken
          expect(retried.sendStatus).toBe("SEND_OK")
          yield* refuseNext(retried.messageQueue.brokerName)
          const pinned = yield* Effect.flip(producer.send(message, { queue: retried.messageQueue }))
          expect(pinned._tag).toBe("BrokerResponseError") // a pinned queue is tried once: its broker's refusal
        }).pipe(Effect.provide(producerLayer()))
        yield* traced ? sends.pipe(Effect.provide(Layer.setTracer(tracer)), Effect.withTracer(tracer)) : sends
        const tries = spans.filter((s) => s.name === "Producer.send")
        if (!traced) {
          expect(spans).toEqual([])
          return
        }
        expect(tries).toHaveLength(5) // 1 + 3 (refused, refused by the other broker, taken) + 1 (pinned, refused)
        expect(tries.every((s) => s.ended)).toBe(true)
        const brokersTried = tries.map((s) => s.attributes.get("rocketmq.broker"))
        expect(brokersTried[1]).not.toBe(brokersTried[2]) // each retry goes to another broker than the last
        expect(brokersTried[3]).not.toBe(brokersTried[2])
        expect(brokersTried[4]).toBe(brokersTried[3]) // the pinned queue is the one the retried send landed on
        expect(tries.every((s) => s.attributes.get("rocketmq.topic") === "Orders")).toBe(true)
      }).pipe(Effect.provide(withCluster({ brokers: 2 }))))
  }
})
