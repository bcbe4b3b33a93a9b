import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Ref } from "effect"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { Producer } from "../../src/services/Producer.js"
import { cliInProcess } from "../support/CliInProcess.js"
import { produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

/** Runs the command line in this process on the cluster in context; what it printed on stdout, line by line. */
const cli = (...args: Array<string>) =>
  Effect.flatMap(EmbeddedCluster, (cluster) => cliInProcess(...args, "--namesrv", cluster.nameServerAddress))

const failure = (exit: Exit.Exit<unknown, unknown>) => String(Exit.isFailure(exit) ? exit.cause : "success")

describe("effect-rocketmq topic and cluster", () => {
  it.scopedLive("topic create, list, route, stats (JSON lines and --table), delete; cluster list", () =>
    Effect.gen(function*() {
      const created = yield* cli("topic", "create", "--topic", "Orders", "--read-queues", "2", "--write-queues", "2")
      expect(created.json().map((r) => [r.brokerName, r.readQueueNums])).toEqual([["broker-a", 2], ["broker-b", 2]])
      expect((yield* cli("topic", "list")).json().map((r) => r.topic)).toContain("Orders")
      const route = (yield* cli("topic", "route", "--topic", "Orders")).json()[0]!
      expect((route.queueDatas as Array<unknown>).length).toBe(2)
      yield* produce("Orders", 8)
      const stats = (yield* cli("topic", "stats", "--topic", "Orders")).json()
      expect(stats.map((r) => r.maxOffset as number).reduce((a, b) => a + b, 0)).toBe(8)
      const table = yield* cli("topic", "stats", "--topic", "Orders", "--table")
      expect(table.out[0]).toMatch(/^brokerName\s+queueId\s+minOffset\s+maxOffset\s+lastUpdateTimestamp$/)
      expect(table.out.length).toBe(5)
      const clusterList = (yield* cli("cluster", "list")).json()
      expect(clusterList.map((b) => [b.cluster, b.brokerName, b.brokerId, b.version])).toEqual([
        ["DefaultCluster", "broker-a", 0, "V4_9_8"],
        ["DefaultCluster", "broker-b", 0, "V4_9_8"]
      ])
      expect(Exit.isSuccess((yield* cli("topic", "delete", "--topic", "Orders")).exit)).toBe(true)
      expect((yield* cli("topic", "list")).json().map((r) => r.topic)).not.toContain("Orders")
      const bad = yield* cli("topic", "create", "--topic", "bad topic")
      expect(failure(bad.exit)).toContain("AdminValidationError")
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 2 }))))
})

describe("effect-rocketmq group", () => {
  it.scopedLive("create and delete, connections, progress with its total lag, --watch with a rate, reset-offset", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      const made = yield* cli("group", "create", "--group", "billing", "--retry-max-times", "3")
      expect(made.json().map((r) => r.brokerName)).toEqual(["broker-a"])
      expect(Exit.isSuccess((yield* cli("group", "delete", "--group", "billing")).exit)).toBe(true)

      yield* produce("Orders", 6)
      const seen = yield* Ref.make(0)
      const consumer = yield* startConsumer("c1", {
        group: "readers",
        subscriptions: [{ topic: "Orders" }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        handler: (messages) => Effect.as(Ref.update(seen, (n) => n + messages.length), "CONSUME_SUCCESS" as const)
      })
      yield* eventually(Effect.map(Ref.get(seen), (n) => n === 6), { what: "6 consumed", bound: "20 seconds" })
      const connections = (yield* cli("group", "connections", "--group", "readers")).json()
      expect(connections.map((c) => [c.clientId, c.language])).toEqual([["10.0.0.7@c1", "JAVA"]])
      yield* consumer.close

      yield* produce("Orders", 4)
      const progress = (yield* cli("group", "progress", "--group", "readers", "--topic", "Orders")).json()
      expect(progress.slice(0, -1).map((q) => [q.queueId, q.brokerOffset, q.consumerOffset, q.lag])).toEqual([
        [0, 5, 3, 2],
        [1, 5, 3, 2]
      ])
      expect(progress.at(-1)).toMatchObject({ group: "readers", totalLag: 4 })

      const watched = (yield* cli(
        "group",
        "progress",
        "--group",
        "readers",
        "--topic",
        "Orders",
        "--watch",
        "--interval",
        "1",
        "--refreshes",
        "2"
      )).json()
      const totals = watched.filter((l) => "totalLag" in l)
      expect(totals.length).toBe(2)
      expect(totals[0]!.rate).toBeUndefined()
      expect(totals[1]!.rate).toBe(0)

      const reset = yield* cli("group", "reset-offset", "--group", "readers", "--topic", "Orders", "--timestamp", "-1")
      expect(reset.json().map((q) => [q.mode, q.offset])).toEqual([["offline", 5], ["offline", 5]])
      const after = (yield* cli("group", "progress", "--group", "readers", "--topic", "Orders", "--table")).out
      expect(after.at(-1)).toBe("Diff Total: 0")
      const bad = yield* cli("group", "reset-offset", "--group", "readers", "--topic", "Orders", "--timestamp", "soon")
      expect(Exit.isFailure(bad.exit)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster())))
})

describe("effect-rocketmq message", () => {
  it.scopedLive("view by offset id, query by key and by unique key", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const producer = yield* Producer
      const sent = yield* producer.send({ topic: "Orders", body: Buffer.from("hello"), keys: ["order-1"] })
      const viewed = (yield* cli("message", "view", "--id", sent.offsetMsgId)).json()
      expect(viewed.map((m) => [m.msgId, m.body])).toEqual([[sent.msgId, "hello"]])
      const byKey = (yield* cli("message", "query", "--topic", "Orders", "--key", "order-1")).json()
      expect(byKey.map((m) => m.body)).toEqual(["hello"])
      const byId = (yield* cli("message", "query", "--topic", "Orders", "--unique-key", sent.msgId)).json()
      expect(byId.map((m) => m.offsetMsgId)).toEqual([sent.offsetMsgId])
      const trace = yield* cli("message", "trace", "--id", sent.msgId)
      // The embedded cluster has the trace topic, and this producer's trace is off: no record of the message.
      expect(trace.json()).toEqual([])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster())))
})
