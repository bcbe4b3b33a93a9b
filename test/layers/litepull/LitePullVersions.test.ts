// The lite pull consumer's request code follows the broker's version: LITE_PULL_MESSAGE (361) on RocketMQ 5.x, as
// Java 5.x sends it, PULL_MESSAGE on 4.x (whose brokers do not know 361); the version comes from heartbeat answers.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import * as ClientInstanceLive from "../../../src/layers/ClientInstanceLive.js"
import * as TopicRouteCacheLive from "../../../src/layers/TopicRouteCacheLive.js"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { isRocketMQ5, Version } from "../../../src/protocol/Version.js"
import { ClientInstance } from "../../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { bodyText, produce, producerLayer } from "../../support/ConsumerStack.js"
import { clientOn, withCluster } from "../../support/EmbeddedClient.js"
import { eventually } from "../../support/Eventually.js"
import { messagesOf, pollBatches, queuesOf, startLitePull } from "../../support/LitePullStack.js"

/** The pulls (PULL_MESSAGE or LITE_PULL_MESSAGE) the broker received from `group`, in order. */
const pullsOf = (group: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const all = yield* cluster.receivedRequests(cluster.brokers[0]!.name)
    return all.filter((r) =>
      (r.code === RequestCode.PULL_MESSAGE || r.code === RequestCode.LITE_PULL_MESSAGE) &&
      r.extFields.consumerGroup === group
    )
  })

/** Subscribes a lite pull consumer to 20 messages of `Orders`, reads them all, and gives the pulls it sent. */
const readTwenty = (group: string, config: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
    yield* produce("Orders", 20)
    const { close, consumer } = yield* startLitePull("lite", {
      group,
      subscriptions: [{ topic: "Orders" }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
    }, config)
    const read = messagesOf(yield* pollBatches(consumer, 20)).map(bodyText)
    yield* close
    expect(new Set(read).size).toBe(20)
    return yield* pullsOf(group)
  })

const v5 = withCluster({ brokers: 1, version: "5.0" })
const v4 = withCluster({ brokers: 1 })

describe("the lite pull consumer's request code", () => {
  it.scoped("on a 5.0 broker: LITE_PULL_MESSAGE with the lite-pull flag and maxMsgBytes, as Java 5.x sends it", () =>
    Effect.gen(function*() {
      const pulls = yield* readTwenty("lite_v5")
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((p) => p.code === RequestCode.LITE_PULL_MESSAGE)).toBe(true)
      // suspend | subscription | lite pull (22), as in the captured Java 5.0.0 lite pulls.
      expect(new Set(pulls.map((p) => [p.extFields.sysFlag, p.extFields.maxMsgBytes].join(" ")))).toEqual(
        new Set(["22 2147483647"])
      )
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5)))

  it.scoped("on a 4.9 broker: PULL_MESSAGE with the lite-pull flag, as Java 4.9.8 sends it", () =>
    Effect.gen(function*() {
      const pulls = yield* readTwenty("lite_v4")
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((p) => p.code === RequestCode.PULL_MESSAGE)).toBe(true)
      expect(pulls.every((p) => p.extFields.sysFlag === "22" && p.extFields.maxMsgBytes === undefined)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v4)))

  it.scoped("assigned a queue of a 5.0 broker it never heartbeated: a heartbeat first, then only LITE_PULL_MESSAGE", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
      yield* produce("Orders", 20)
      const [q0] = yield* queuesOf("Orders", 2)
      const { close, consumer } = yield* startLitePull("lite", { group: "lite_assign_v5", autoCommit: false })
      yield* consumer.assign([q0!])
      yield* consumer.seekToBegin(q0!)
      yield* pollBatches(consumer, 1)
      yield* close
      const pulls = yield* pullsOf("lite_assign_v5")
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((p) => p.code === RequestCode.LITE_PULL_MESSAGE)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5)))

  it.scoped("the brokerVersion setting forces it: 4 on a 5.0 broker pulls with PULL_MESSAGE", () =>
    Effect.gen(function*() {
      const pulls = yield* readTwenty("lite_forced4", { brokerVersion: "4" })
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((p) => p.code === RequestCode.PULL_MESSAGE)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5)))

  it.scoped("the brokerVersion setting forces it: 5 on a 4.9 broker pulls with LITE_PULL_MESSAGE", () =>
    Effect.gen(function*() {
      const pulls = yield* readTwenty("lite_forced5", { brokerVersion: "5" })
      expect(pulls.length).toBeGreaterThan(0)
      expect(pulls.every((p) => p.code === RequestCode.LITE_PULL_MESSAGE)).toBe(true)
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v4)))
})

const instance = (config: Record<string, unknown> = {}) =>
  ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "versions", ...config }).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

const heartbeatsOf = (broker: string) =>
  Effect.flatMap(EmbeddedCluster, (cluster) =>
    Effect.map(
      cluster.receivedRequests(broker),
      (all) => all.filter((r) => r.code === RequestCode.HEART_BEAT).length
    ))

const heartbeatsAt = Effect.flatMap(EmbeddedCluster, (cluster) => heartbeatsOf(cluster.brokers[0]!.name))

describe("a broker's version", () => {
  it.scoped("is what it answered a heartbeat with, asked once: 5.0.0's of a 5.0 broker", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const ci = yield* ClientInstance
      const address = cluster.brokers[0]!.address
      expect(yield* heartbeatsAt).toBe(0)
      expect(yield* ci.brokerVersion(address)).toBe(Version.V5_0_0)
      expect(yield* ci.brokerVersion(address)).toBe(Version.V5_0_0)
      expect(yield* heartbeatsAt).toBe(1)
    }).pipe(Effect.provide(instance()), Effect.provide(v5)))

  it.scoped("4.9.8's of a 4.9 broker; and the setting, not the broker, when forced", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const ci = yield* ClientInstance
      expect(yield* ci.brokerVersion(cluster.brokers[0]!.address)).toBe(Version.V4_9_8)
      const forced = Effect.flatMap(ClientInstance, (c) => c.brokerVersion(cluster.brokers[0]!.address))
      expect(yield* Effect.provide(forced, instance({ brokerVersion: "5", instanceName: "forced" }))).toBe(
        Version.V5_0_0
      )
    }).pipe(Effect.provide(instance()), Effect.provide(v4)))

  it.scoped("a regular heartbeat round keeps it: no heartbeat of its own after a registration", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      const before = yield* heartbeatsAt
      expect(yield* ci.brokerVersion(cluster.brokers[0]!.address)).toBe(Version.V5_0_0)
      expect(yield* heartbeatsAt).toBe(before)
    }).pipe(Effect.provide(instance()), Effect.provide(v5)))

  it.scoped("is unknown when nothing answers there", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const ci = yield* ClientInstance
      const address = cluster.brokers[0]!.address
      yield* cluster.stopBroker(cluster.brokers[0]!.name)
      expect(yield* ci.brokerVersion(address)).toBeUndefined()
    }).pipe(Effect.provide(instance()), Effect.provide(v5)))

  it.scoped("is forgotten when the broker leaves the routes: unknown once it is gone", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      const [a, b] = cluster.brokers
      expect(yield* ci.brokerVersion(b!.address)).toBe(Version.V5_0_0)
      yield* cluster.stopBroker(b!.name)
      // The route refresh at 30 s drops broker-b; the heartbeat round at 31 s forgets it.
      yield* TestClock.adjust("31 seconds")
      yield* eventually(Effect.map(heartbeatsOf(a!.name), (n) => n >= 3), { what: "the round at 31 s" })
      expect(yield* ci.brokerVersion(b!.address)).toBeUndefined()
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster({ brokers: 2, version: "5.0" }))))

  it("5.x from 5.0.0 (413) on, as MQVersion's ordinals go", () => {
    expect([undefined, Version.V4_9_8, 412, Version.V5_0_0, 513].map(isRocketMQ5)).toEqual([
      false,
      false,
      false,
      true,
      true
    ])
  })
})
