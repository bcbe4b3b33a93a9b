import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { Producer } from "../../src/services/Producer.js"
import { cliInProcess } from "../support/CliInProcess.js"
import { producerLayer } from "../support/ConsumerStack.js"

const cli = (...args: Array<string>) =>
  Effect.map(cliInProcess(...args), (run) => ({ ...run, lines: run.out.map((l) => JSON.parse(l)) }))

/** Sends `count` messages to queue 0 of the only broker, bodies `m-0`..., keys `k-0`... */
const sendToQueue0 = (count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const producer = yield* Producer
    const queue = { topic: "Orders", brokerName: cluster.brokers[0]!.name, queueId: 0 }
    for (let i = 0; i < count; i++) {
      yield* producer.send({ topic: "Orders", body: Buffer.from(`m-${i}`), tags: "TagA", keys: [`k-${i}`] }, { queue })
    }
  })

describe("effect-rocketmq pull", () => {
  it.live("subscribe mode with a group: from the first offset, prints what consume prints, commits what it printed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendToQueue0(5)
      const ns = cluster.nameServerAddress
      const first = yield* cli("pull", "--namesrv", ns, "--topic", "Orders", "--group", "cli_pull", "--count", "3")
      expect(Exit.isSuccess(first.exit)).toBe(true)
      expect(first.lines.map((l) => [l.body, l.queueOffset, l.tags, l.keys])).toEqual([
        ["m-0", 0, "TagA", "k-0"],
        ["m-1", 1, "TagA", "k-1"],
        ["m-2", 2, "TagA", "k-2"]
      ])
      expect(Object.keys(first.lines[0]!)).toEqual([
        "topic",
        "tags",
        "keys",
        "msgId",
        "offsetMsgId",
        "queueId",
        "queueOffset",
        "reconsumeTimes",
        "bornTimestamp",
        "storeTimestamp",
        "body"
      ])
      // The group goes on from what was printed: nothing past the count was committed.
      const second = yield* cli("pull", "--namesrv", ns, "--topic", "Orders", "--group", "cli_pull", "--count", "2")
      expect(second.lines.map((l) => l.body)).toEqual(["m-3", "m-4"])
    }).pipe(Effect.provide(producerLayer()), Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))

  it.live("assign mode: --queue and --offset, without a group; bad usage and a seek out of range fail", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendToQueue0(6)
      const ns = cluster.nameServerAddress
      const assigned = yield* cli(
        "pull",
        "--namesrv",
        ns,
        "--topic",
        "Orders",
        "--queue",
        "0",
        "--offset",
        "4",
        "--count",
        "2"
      )
      expect(Exit.isSuccess(assigned.exit)).toBe(true)
      expect(assigned.lines.map((l) => [l.body, l.queueId, l.queueOffset])).toEqual([["m-4", 0, 4], ["m-5", 0, 5]])
      const noQueue = yield* cli("pull", "--namesrv", ns, "--topic", "Orders", "--offset", "1")
      expect(Exit.isFailure(noQueue.exit) && Cause.pretty(noQueue.exit.cause)).toContain("--offset")
      const badQueue = yield* cli("pull", "--namesrv", ns, "--topic", "Orders", "--queue", "7", "--timeout", "1")
      expect(Exit.isFailure(badQueue.exit) && Cause.pretty(badQueue.exit.cause)).toContain("no such queue")
      const beyond = yield* cli("pull", "--namesrv", ns, "--topic", "Orders", "--queue", "0", "--offset", "9")
      expect(Exit.isFailure(beyond.exit) && Cause.pretty(beyond.exit.cause)).toContain("Seek offset illegal")
    }).pipe(Effect.provide(producerLayer()), Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))

  it.live("on a RocketMQ 5.0 broker it pulls with LITE_PULL_MESSAGE (361), as Java 5.x's lite pull consumer does", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* sendToQueue0(3)
      const run = yield* cli("pull", "--namesrv", cluster.nameServerAddress, "--topic", "Orders", "--count", "3")
      expect(run.lines.map((l) => l.body)).toEqual(["m-0", "m-1", "m-2"])
      const pulls = (yield* cluster.receivedRequests(cluster.brokers[0]!.name)).filter((r) =>
        r.code === RequestCode.PULL_MESSAGE || r.code === RequestCode.LITE_PULL_MESSAGE
      )
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((r) => r.code === RequestCode.LITE_PULL_MESSAGE)).toBe(true)
    }).pipe(
      Effect.provide(producerLayer()),
      Effect.provide(EmbeddedClusterLive.layer({ brokers: 1, version: "5.0" })),
      Effect.scoped
    ))
})
