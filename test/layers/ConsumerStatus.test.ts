import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { parseGetConsumerStatusBody } from "../../src/protocol/bodies/GetConsumerStatusBody.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

/** GET_CONSUMER_STATUS_FROM_CLIENT as a broker sends it (Java: `Broker2Client.getConsumeStatus`). */
const statusRequest = (group: string, topic: string) =>
  request(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, { topic, group, clientAddr: "10.0.0.7" })

describe("GET_CONSUMER_STATUS_FROM_CLIENT", () => {
  it.scopedLive("a push consumer answers with its offsets of the topic's queues, as Java's client does", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* cluster.createTopic("Other", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 40)
      let consumed = 0
      const { close, consumer, handlers } = yield* startConsumer("status", {
        group: "orders_consumer",
        subscriptions: [{ topic: "Orders" }, { topic: "Other" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        handler: (messages) => Effect.sync(() => (consumed += messages.length, "CONSUME_SUCCESS" as const))
      })
      const handler = handlers.lookup(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT)!
      const status = (group: string, topic: string) =>
        Effect.map(handler(statusRequest(group, topic), { address: cluster.brokers[0]!.address }), (answer) => {
          expect(answer!.code).toBe(ResponseCode.SUCCESS)
          return Either.getOrThrow(parseGetConsumerStatusBody(answer!.body!))
        })
      yield* eventually(
        Effect.map(
          status("orders_consumer", "Orders"),
          (offsets) => consumed === 40 && offsets.length === 4 && offsets.reduce((n, [, o]) => n + o, 0) === 40
        ),
        { what: "the 40 messages consumed and their offsets in the answer", bound: "20 seconds" }
      )
      const orders = yield* status("orders_consumer", "Orders")
      expect(orders.map(([q]) => q.topic)).toEqual(["Orders", "Orders", "Orders", "Orders"])
      expect(orders.map(([q]) => q.queueId).sort()).toEqual([0, 1, 2, 3])
      // Another topic's queues are not in the answer; a group this client does not have answers an empty table.
      expect((yield* status("orders_consumer", "Other")).every(([q]) => q.topic === "Other")).toBe(true)
      expect(yield* status("no_such_group", "Orders")).toEqual([])
      expect((yield* consumer.assignedQueues).length).toBeGreaterThan(0)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster())))
})
