// GET_CONSUMER_STATUS_FROM_CLIENT on a real broker: `mqadmin getConsumerStatus` asks the broker, which asks each client
// of the group (INVOKE_BROKER_TO_GET_CONSUMER_STATUS, then GET_CONSUMER_STATUS_FROM_CLIENT) and reads our answer with
// fastjson as Java's GetConsumerStatusBody.
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { mqadmin } from "./support/MqAdmin.js"
import { collect, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

describeReal("consumer status asked by mqadmin", {}, (it, line) => {
  it.test("getConsumerStatus lists our consumer's offsets of the topic, per queue", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Status")
      const group = unique("status")
      const p = yield* Producer
      yield* Effect.forEach(Array.from({ length: 8 }, (_, i) => i), (i) => p.send({ topic, body: text(`m${i}`) }))
      const c = yield* collect({ group, subscriptions: [{ topic }] }, { instanceName: "status-target" })
      yield* c.awaitCount(8)
      const clientId = "127.0.0.1@status-target"
      // Rows: clientId, broker, queue id, offset (Java: GetConsumerStatusCommand).
      const rows = Effect.map(
        mqadmin(line, cluster.nameServerAddress, ["getConsumerStatus", "-g", group, "-t", topic]),
        (output) =>
          output.split("\n").map((l) => l.trim().split(/\s+/)).filter((cells) => cells[0] === clientId).map((
            cells
          ) => ({ brokerName: cells[1]!, queueId: Number(cells[2]), offset: Number(cells[3]) }))
      )
      yield* eventually(Effect.map(rows, (r) => r.reduce((n, row) => n + row.offset, 0) === 8), "90 seconds")
      const status = yield* rows
      expect(status.map((r) => r.queueId).sort()).toEqual([0, 1, 2, 3])
      expect(status.every((r) => r.brokerName === cluster.brokers[0]!.name)).toBe(true)
    }).pipe(Effect.provide(producer())))
})
