import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { clientOn, withCluster } from "../support/EmbeddedClient.js"
import { eventually } from "../support/Eventually.js"

const instance = ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "test" }).pipe(
  Layer.provideMerge(TopicRouteCacheLive.layer),
  Layer.provideMerge(clientOn())
)

const received = (broker: string, code: number) =>
  Effect.flatMap(
    EmbeddedCluster,
    (c) => Effect.map(c.receivedRequests(broker), (all) => all.filter((r) => r.code === code))
  )

const beatsReach = (broker: string, n: number) =>
  eventually(Effect.map(received(broker, RequestCode.HEART_BEAT), (b) => b.length >= n), {
    what: `${n} heartbeats at ${broker}`
  })

describe("the heartbeat", () => {
  it.scoped("heartbeats at once on registration, after 1 s, then every heartbeat interval", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      const start = yield* TestClock.currentTimeMillis
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      let n = 1
      for (const step of ["1 second", "30 seconds", "30 seconds"] as const) {
        yield* TestClock.adjust(step)
        yield* beatsReach("broker-a", ++n)
      }
      const beats = yield* received("broker-a", RequestCode.HEART_BEAT)
      expect(beats.map((b) => b.at - start)).toEqual([0, 1000, 31000, 61000])
    }).pipe(Effect.provide(instance), Effect.provide(withCluster())))

  it.scoped("a stopped broker leaves the heartbeat round; started again, it is back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      const beatsOfB = Effect.map(received("broker-b", RequestCode.HEART_BEAT), (b) => b.length)
      const beatsOfA = Effect.map(received("broker-a", RequestCode.HEART_BEAT), (b) => b.length)
      expect(yield* beatsOfB).toBe(1)
      yield* cluster.stopBroker("broker-b")
      // The route refresh at 30 s drops broker-b; the round at 31 s cleans it away before heartbeating.
      yield* TestClock.adjust("31 seconds")
      yield* beatsReach("broker-a", 3)
      yield* TestClock.adjust("30 seconds")
      yield* beatsReach("broker-a", 4)
      expect(yield* beatsOfB).toBe(1)
      yield* cluster.startBroker("broker-b")
      yield* TestClock.adjust("30 seconds") // the route names broker-b again at 90 s, and the round at 91 s beats it
      yield* beatsReach("broker-a", 5)
      yield* TestClock.adjust("1 second")
      yield* beatsReach("broker-b", 2)
      expect(yield* beatsOfA).toBeGreaterThanOrEqual(5)
    }).pipe(Effect.provide(instance), Effect.provide(withCluster({ brokers: 2 }))))
})
