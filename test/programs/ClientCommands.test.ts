import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { cliInProcess } from "../support/CliInProcess.js"

const cli = cliInProcess

describe("effect-rocketmq produce", () => {
  it.live("sends N messages and prints one send result per message", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const { exit, out } = yield* cli(
        "produce",
        "--namesrv",
        cluster.nameServerAddress,
        "--topic",
        "Orders",
        "--tag",
        "TagA",
        "--keys",
        "k1 k2",
        "--count",
        "3"
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      const results = out.map((l) => JSON.parse(l))
      expect(results.map((r) => [r.sendStatus, r.topic, r.queueOffset])).toEqual([
        ["SEND_OK", "Orders", 0],
        ["SEND_OK", "Orders", 1],
        ["SEND_OK", "Orders", 2]
      ])
      expect(results[0].msgId).toMatch(/^[0-9A-F]+$/)
    }).pipe(Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))
})

describe("effect-rocketmq route", () => {
  it.live("prints a topic's route as one JSON line, and fails for a topic no name server knows", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 3, writeQueueNums: 3 })
      const found = yield* cli("route", "--topic", "Orders", "--namesrv", cluster.nameServerAddress)
      expect(Exit.isSuccess(found.exit)).toBe(true)
      const route = JSON.parse(found.out[0]!)
      expect(route.topic).toBe("Orders")
      expect(route.queueDatas).toEqual([
        { brokerName: "broker-a", perm: 6, readQueueNums: 3, topicSysFlag: 0, writeQueueNums: 3 }
      ])
      const missing = yield* cli("route", "--topic", "Nope", "--namesrv", cluster.nameServerAddress)
      expect(Exit.isFailure(missing.exit)).toBe(true)
      expect(String(Exit.isFailure(missing.exit) && missing.exit.cause)).toContain("TopicNotFoundError")
    }).pipe(Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))
})

describe("effect-rocketmq consume", () => {
  it.live(
    "prints one line per message, exits after --count, and a second run goes on where the first stopped",
    () =>
      Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
        const ns = cluster.nameServerAddress
        yield* cli("produce", "--namesrv", ns, "--topic", "Orders", "--tag", "TagA", "--count", "5")
        const common = ["consume", "--namesrv", ns, "--topic", "Orders", "--group", "cli_readers", "--from", "first"]
        const first = yield* cli(...common, "--count", "3")
        expect(Exit.isSuccess(first.exit)).toBe(true)
        expect(first.out.map((l) => JSON.parse(l).body)).toEqual(["message 0", "message 1", "message 2"])
        expect(JSON.parse(first.out[0]!)).toMatchObject({ topic: "Orders", tags: "TagA", queueOffset: 0 })
        const second = yield* cli(...common, "--count", "10", "--timeout", "2")
        expect(Exit.isSuccess(second.exit)).toBe(true)
        expect(second.out.map((l) => JSON.parse(l).body)).toEqual(["message 3", "message 4"])
      }).pipe(Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped),
    20_000
  )
})
