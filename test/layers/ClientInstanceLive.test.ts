import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Metric, Ref, Scope, TestClock } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import type { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ClientConfigError } from "../../src/services/ClientConfig.js"
import { ClientInstance, type ConsumerRegistration, DuplicateGroupError } from "../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { clientOn, consumerData, withCluster } from "../support/EmbeddedClient.js"

const instance = (input: Record<string, unknown> = {}) =>
  ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "test", ...input }).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

const consumer = (groupName: string, persistOffsets: Effect.Effect<void, unknown>): ConsumerRegistration => ({
  groupName,
  persistOffsets,
  data: Effect.succeed(consumerData(groupName))
})

const received = (name: string, code: number) =>
  Effect.flatMap(
    EmbeddedCluster,
    (c) => Effect.map(c.receivedRequests(name), (all) => all.filter((r) => r.code === code))
  )

/** Lets real I/O started by a Clock tick finish. */
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 100)))

const failuresOf = (task: string) => Metric.value(ClientInstanceLive.taskFailures.pipe(Metric.tagged("task", task)))

describe("the client instance", () => {
  it.scoped("heartbeats at once on registration, after 1 s, then every heartbeat interval", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      expect(yield* ci.state).toBe("RUNNING")
      expect(ci.clientId).toBe("10.0.0.7@test")
      const start = yield* TestClock.currentTimeMillis
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      for (const step of ["1 second", "30 seconds", "30 seconds"] as const) {
        yield* TestClock.adjust(step)
        yield* settle
      }
      const beats = yield* received("broker-a", RequestCode.HEART_BEAT)
      expect(beats.map((b) => b.at - start)).toEqual([0, 1000, 31000, 61000])
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster())))

  it.scoped("refreshes routes after 10 ms, then every poll interval, telling producers what changed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { writeQueueNums: 2, readQueueNums: 2 })
      const ci = yield* ClientInstance
      const seen = yield* Ref.make<Array<number>>([])
      yield* ci.registerProducer({
        groupName: "p1",
        topics: Effect.succeed(["Orders"]),
        onRouteChanged: (_, route: TopicRouteData) =>
          Ref.update(seen, (s) => [...s, route.queueDatas[0]!.writeQueueNums])
      })
      yield* cluster.createTopic("Orders", { writeQueueNums: 3, readQueueNums: 3 })
      yield* TestClock.adjust("10 millis")
      yield* settle
      yield* cluster.createTopic("Orders", { writeQueueNums: 5, readQueueNums: 5 })
      yield* TestClock.adjust("29 seconds")
      yield* settle
      expect(yield* Ref.get(seen)).toEqual([2, 3])
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(yield* Ref.get(seen)).toEqual([2, 3, 5])
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster())))

  it.scoped("persists offsets after 10 s then every 5 s; a failing tick is counted and the task goes on", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      const calls = yield* Ref.make(0)
      const before = (yield* failuresOf("persistOffsets")).count
      yield* ci.registerConsumer(
        consumer("c1", Effect.zipRight(Ref.update(calls, (n) => n + 1), Effect.fail("disk full")))
      )
      yield* TestClock.adjust("9 seconds")
      yield* settle
      expect(yield* Ref.get(calls)).toBe(0)
      for (const step of ["1 second", "5 seconds", "5 seconds"] as const) {
        yield* TestClock.adjust(step)
        yield* settle
      }
      expect(yield* Ref.get(calls)).toBe(3)
      expect((yield* failuresOf("persistOffsets")).count).toBe(before + 3)
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster())))

  it.effect("shuts down in Java's order: offsets persisted, then the client unregistered from the broker", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(instance(), scope)
      const ci = Context.get(context, ClientInstance)
      const client = Context.get(context, RemotingClient)
      const broker = cluster.brokers[0]!.address
      const persist = client.invokeOneway(
        broker,
        request(RequestCode.UPDATE_CONSUMER_OFFSET, {
          consumerGroup: "c1",
          topic: "Orders",
          queueId: "0",
          commitOffset: "7"
        })
      )
      yield* ci.registerConsumer(consumer("c1", persist)).pipe(Scope.extend(scope))
      const from = (yield* cluster.receivedRequests("broker-a")).length
      yield* Scope.close(scope, Exit.void)
      yield* settle
      const shutdown = (yield* cluster.receivedRequests("broker-a")).slice(from).map((r) =>
        r.code === RequestCode.UNREGISTER_CLIENT
          ? `UNREGISTER ${r.extFields.consumerGroup ?? r.extFields.producerGroup}`
          : String(r.code)
      )
      expect(shutdown).toEqual([
        String(RequestCode.UPDATE_CONSUMER_OFFSET),
        "UNREGISTER c1",
        "UNREGISTER CLIENT_INNER_PRODUCER"
      ])
    }).pipe(Effect.provide(withCluster()), Effect.scoped))

  it.scoped("a second producer or consumer of the same group is a DuplicateGroupError", () =>
    Effect.gen(function*() {
      const ci = yield* ClientInstance
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed([]) })
      const error = yield* Effect.flip(ci.registerProducer({ groupName: "p1", topics: Effect.succeed([]) }))
      expect(error).toEqual(new DuplicateGroupError({ kind: "producer", group: "p1" }))
      yield* ci.registerConsumer(consumer("c1", Effect.void))
      expect(yield* Effect.flip(ci.registerConsumer(consumer("c1", Effect.void)))).toBeInstanceOf(DuplicateGroupError)
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster())))

  it.effect("a failed start fails with a typed error and leaves no task running", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      // A start that fails after the instance's tasks were forked: a second producer of one group.
      const failing = Layer.effectDiscard(
        Effect.flatMap(ClientInstance, (ci) =>
          Effect.zipRight(
            ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) }),
            ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
          ))
      ).pipe(Layer.provideMerge(instance()))
      const exit = yield* Effect.exit(Effect.scoped(Layer.build(failing)))
      expect(Exit.isFailure(exit)).toBe(true)
      const after = (yield* cluster.receivedRequests("broker-a")).length
      yield* TestClock.adjust("2 minutes")
      yield* settle
      expect((yield* cluster.receivedRequests("broker-a")).length).toBe(after)
      const badConfig = yield* Effect.exit(Effect.scoped(Layer.build(instance({ heartbeatBrokerIntervalMillis: 0 }))))
      expect(Exit.isFailure(badConfig) && Exit.causeOption(badConfig)).toBeTruthy()
      const error = yield* Effect.flip(Effect.scoped(Layer.build(instance({ heartbeatBrokerIntervalMillis: 0 }))))
      expect(error).toBeInstanceOf(ClientConfigError)
    }).pipe(Effect.provide(withCluster())))

  it.scoped("a stopped broker leaves the heartbeat round; started again, it is back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const ci = yield* ClientInstance
      yield* ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
      const beatsOfB = Effect.map(received("broker-b", RequestCode.HEART_BEAT), (b) => b.length)
      const first = yield* beatsOfB
      expect(first).toBe(1)
      yield* cluster.stopBroker("broker-b")
      yield* TestClock.adjust("30 seconds") // routes refreshed: broker-b gone, and cleaned away before the heartbeat
      yield* settle
      yield* TestClock.adjust("31 seconds")
      yield* settle
      const whileDown = yield* beatsOfB
      yield* cluster.startBroker("broker-b")
      yield* TestClock.adjust("30 seconds")
      yield* settle
      yield* TestClock.adjust("30 seconds")
      yield* settle
      expect(whileDown).toBe(first)
      expect(yield* beatsOfB).toBeGreaterThan(whileDown)
    }).pipe(Effect.provide(instance()), Effect.provide(withCluster({ brokers: 2 }))))
})
