import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Ref, TestClock } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import * as TopicRouteRefreshLive from "../../src/layers/TopicRouteRefreshLive.js"
import type { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { NoNameServerError } from "../../src/services/RemotingClient.js"
import { TopicRouteCache } from "../../src/services/TopicRouteCache.js"
import { TopicRouteRefresh } from "../../src/services/TopicRouteRefresh.js"
import { clientOn, consumerData, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const instance = ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "test" }).pipe(
  Layer.provideMerge(TopicRouteCacheLive.layer),
  Layer.provideMerge(clientOn())
)

const route: TopicRouteData = {
  queueDatas: [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [{ cluster: "c", brokerName: "broker-a", brokerAddrs: { "0": "127.0.0.1:10911" } }],
  filterServerTable: {}
}

/** A route cache whose name server cannot be reached for one topic, and which finds every other topic changed. */
const routesFailingFor = (down: string): TopicRouteCache["Type"] => ({
  route: () => Effect.succeed(Option.none()),
  cachedRoute: () => undefined,
  refresh: (topic) =>
    topic === down
      ? Effect.fail(new NoNameServerError())
      : Effect.succeed({ route: Option.some(route), changed: true }),
  brokerAddresses: Effect.succeed(new Map()),
  masterAddress: () => Effect.succeed(Option.none()),
  cachedMasterAddress: () => undefined,
  removeOfflineBrokers: Effect.succeed([])
})

describe("the route refresh", () => {
  it.scoped("refreshes routes after 10 ms, then every poll interval, telling producers and consumers what changed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { writeQueueNums: 2, readQueueNums: 2 })
      const ci = yield* ClientInstance
      const seen = yield* Ref.make<Array<string>>([])
      const tell = (who: string) => (_: string, route: TopicRouteData) =>
        Ref.update(seen, (s) => [...s, `${who} ${route.queueDatas[0]!.writeQueueNums}`])
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]), onRouteChanged: tell("p") })
      yield* ci.registerConsumer({
        groupName: "c1",
        data: Effect.succeed(consumerData("c1")), // subscribes to Orders
        persistOffsets: Effect.void,
        onRouteChanged: tell("c")
      })
      const seenIs = (expected: Array<string>) =>
        eventually(Effect.map(Ref.get(seen), (s) => s.join() === expected.join()), { what: expected.join() })
      yield* seenIs(["p 2"]) // the producer's registration fetched the route; the consumer's found it unchanged
      yield* cluster.createTopic("Orders", { writeQueueNums: 3, readQueueNums: 3 })
      yield* TestClock.adjust("10 millis")
      yield* seenIs(["p 2", "p 3", "c 3"])
      yield* cluster.createTopic("Orders", { writeQueueNums: 5, readQueueNums: 5 })
      yield* TestClock.adjust("29 seconds")
      yield* fibersSettle()
      expect(yield* Ref.get(seen)).toEqual(["p 2", "p 3", "c 3"])
      yield* TestClock.adjust("1 second")
      yield* seenIs(["p 2", "p 3", "c 3", "p 5", "c 5"])
    }).pipe(Effect.provide(instance), Effect.provide(withCluster())))

  it.scoped("a topic whose refresh fails fails the round with its error; the other topics are still refreshed", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const refresh = yield* TopicRouteRefresh
      const changes = yield* Ref.make<Array<string>>([])
      yield* groups.addProducer({
        groupName: "p1",
        topics: Effect.succeed(["Down", "Orders"]),
        onRouteChanged: (topic) => Ref.update(changes, (c) => [...c, topic])
      })
      expect(yield* Effect.flip(refresh.refreshAll)).toEqual(new NoNameServerError())
      expect(yield* Ref.get(changes)).toEqual(["Orders"])
    }).pipe(
      Effect.provide(
        TopicRouteRefreshLive.layer({ pollNameServerInterval: Duration.seconds(30) }).pipe(
          Layer.provideMerge(GroupTableLive.layer),
          Layer.provide(Layer.succeed(TopicRouteCache, routesFailingFor("Down")))
        )
      )
    ))
})
