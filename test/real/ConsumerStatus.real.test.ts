// GET_CONSUMER_STATUS_FROM_CLIENT on a real broker: asked INVOKE_BROKER_TO_GET_CONSUMER_STATUS (what
// `MQAdminExt.getConsumeStatus` sends; 4.9's mqadmin has no command for it), the broker asks each client of the group
// and reads our answer with fastjson as Java's GetConsumerStatusBody, then answers with every client's table.
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { queueOffsetEntries } from "../../src/protocol/bodies/OffsetTableBody.js"
import { parseFastJson } from "../../src/protocol/FastJson.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { Producer } from "../../src/services/Producer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { collect, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

describeReal("consumer status asked through the broker", {}, (it) => {
  it.test("the broker gathers our consumer's offsets of the topic, per queue", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Status")
      const group = unique("status")
      const p = yield* Producer
      yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) => p.send({ topic, body: text(`m${i}`) }))
      const c = yield* collect({ group, subscriptions: [{ topic }] }, { instanceName: "status-target" })
      yield* c.awaitCount(8)
      const clientId = "127.0.0.1@status-target"
      const client = yield* RemotingClient
      // The broker's answer: `{"consumerTable":{clientId:{queue:offset,...}},"messageQueueTable":{}}`.
      const status = Effect.map(
        client.invoke(
          cluster.brokers[0]!.address,
          request(RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS, { topic, group }),
          "30 seconds"
        ),
        (answer) => {
          expect(answer.code).toBe(0)
          const body = Either.getOrThrow(parseFastJson(Buffer.from(answer.body ?? []).toString("utf8"))) as {
            readonly consumerTable: Record<string, unknown>
          }
          return Either.getOrThrow(queueOffsetEntries(body.consumerTable[clientId]))
        }
      )
      yield* eventually(Effect.map(status, (offsets) => offsets.reduce((n, [, o]) => n + o, 0) === 8))
      const offsets = yield* status
      expect(offsets.map(([q]) => q.queueId).sort()).toEqual([0, 1, 2, 3])
      expect(offsets.every(([q]) => q.topic === topic && q.brokerName === cluster.brokers[0]!.name)).toBe(true)
    }).pipe(Effect.provide(producer())))
})
