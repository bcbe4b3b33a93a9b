import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Ref, Scope, Supervisor, TestClock } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ClientConfigError, makeClientConfig } from "../../src/services/ClientConfig.js"
import {
  ClientInstance,
  type ClientInstanceState,
  ClientStartError,
  type ClientSubsystem,
  type ConsumerRegistration,
  DuplicateGroupError
} from "../../src/services/ClientInstance.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { clientOn, consumerData, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const settings = { clientIP: "10.0.0.7", instanceName: "test" }

const instance = (input: Record<string, unknown> = {}) =>
  ClientInstanceLive.layer({ ...settings, ...input }).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

const consumer = (groupName: string, persistOffsets: Effect.Effect<void, unknown>): ConsumerRegistration => ({
  groupName,
  persistOffsets,
  data: Effect.succeed(consumerData(groupName))
})

/** Builds `layer` in a scope closed at once, answering its failure and the fibers it forked that are still alive. */
const failedStart = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  Effect.gen(function*() {
    const forked = yield* Supervisor.track
    const error = yield* Effect.flip(Effect.scoped(Layer.build(layer)).pipe(Effect.supervised(forked)))
    return { error, alive: yield* forked.value }
  })

const received = (name: string) => Effect.flatMap(EmbeddedCluster, (c) => c.receivedRequests(name))

describe("the client instance", () => {
  it.effect("is RUNNING once built, SHUTDOWN_ALREADY once its scope closed", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const ci = Context.get(yield* Layer.buildWithScope(instance(), scope), ClientInstance)
      expect(ci.clientId).toBe("10.0.0.7@test")
      expect(yield* ci.state).toBe<ClientInstanceState>("RUNNING")
      yield* Scope.close(scope, Exit.void)
      expect(yield* ci.state).toBe<ClientInstanceState>("SHUTDOWN_ALREADY")
    }).pipe(Effect.provide(withCluster())))

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
      const from = (yield* received("broker-a")).length
      yield* Scope.close(scope, Exit.void)
      const shutdown = Effect.map(
        received("broker-a"),
        (all) =>
          all.slice(from).map((r) =>
            r.code === RequestCode.UNREGISTER_CLIENT
              ? `UNREGISTER ${r.extFields.consumerGroup ?? r.extFields.producerGroup}`
              : String(r.code)
          )
      )
      // The oneway offset update is written before the unregistrations are asked; the broker may read it last.
      yield* eventually(Effect.map(shutdown, (s) => s.length === 3), { what: "three requests at shutdown" })
      expect(yield* shutdown).toEqual([
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

  it.effect("a registration that fails after the instance started leaves its tasks to the instance's scope", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const failing = Layer.effectDiscard(
        Effect.flatMap(ClientInstance, (ci) =>
          Effect.zipRight(
            ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) }),
            ci.registerProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
          ))
      ).pipe(Layer.provideMerge(instance()))
      const { alive, error } = yield* failedStart(failing)
      expect(error).toBeInstanceOf(DuplicateGroupError)
      expect(alive).toEqual([]) // no task of the instance, nor any fiber of the transport, is left
    }).pipe(Effect.provide(withCluster())))

  it.effect("a bad setting fails the start with a ClientConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(instance({ heartbeatBrokerIntervalMillis: 0 }))))
      expect(error).toBeInstanceOf(ClientConfigError)
      expect((error as ClientConfigError).setting).toBe("heartbeatBrokerIntervalMillis")
    }).pipe(Effect.provide(withCluster())))
})

const subsystemOrder: ReadonlyArray<ClientSubsystem> = [
  "groupTable",
  "topicRouteRefresh",
  "heartbeat",
  "offsetPersistence",
  "concurrencyAdjustment",
  "pullMessageService",
  "rebalanceService",
  "clientRemotingProcessor",
  "requestFutures"
]

describe("a client instance whose subsystem fails to start", () => {
  for (const failing of subsystemOrder) {
    it.effect(`${failing}: a ClientStartError naming it; every task started is stopped; nothing persisted or unregistered`, () =>
      Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* cluster.createTopic("Orders")
        const config = yield* makeClientConfig(settings)
        const persisted = yield* Ref.make(0)
        const started = yield* Ref.make<Array<ClientSubsystem>>([])
        const parts = ClientInstanceLive.subsystems(config)
        // A producer and a consumer already in the table, so that any task left running would reach the cluster.
        const groupTable = GroupTableLive.layer.pipe(
          Layer.tap((context) =>
            Effect.gen(function*() {
              const groups = Context.get(context, GroupTable)
              yield* groups.addProducer({ groupName: "p1", topics: Effect.succeed(["Orders"]) })
              yield* groups.addConsumer(consumer("c1", Ref.update(persisted, (n) => n + 1)))
            })
          )
        )
        const withLog = <A, R>(name: ClientSubsystem, layer: Layer.Layer<A, unknown, R>) =>
          layer.pipe(
            Layer.tap(() =>
              Effect.zipRight(
                Ref.update(started, (s) => [...s, name]),
                name === failing ? Effect.fail(`${name} could not start`) : Effect.void
              )
            )
          )
        const composed = ClientInstanceLive.compose(config, {
          groupTable: withLog("groupTable", groupTable),
          topicRouteRefresh: withLog("topicRouteRefresh", parts.topicRouteRefresh),
          heartbeat: withLog("heartbeat", parts.heartbeat),
          offsetPersistence: withLog("offsetPersistence", parts.offsetPersistence),
          concurrencyAdjustment: withLog("concurrencyAdjustment", parts.concurrencyAdjustment),
          pullMessageService: withLog("pullMessageService", parts.pullMessageService),
          rebalanceService: withLog("rebalanceService", parts.rebalanceService),
          clientRemotingProcessor: withLog("clientRemotingProcessor", parts.clientRemotingProcessor),
          requestFutures: withLog("requestFutures", parts.requestFutures)
        }).pipe(Layer.provideMerge(TopicRouteCacheLive.layer), Layer.provideMerge(clientOn()))

        const { alive, error } = yield* failedStart(composed)
        expect(error).toEqual(new ClientStartError({ subsystem: failing, cause: `${failing} could not start` }))
        expect(error.message).toBe(`the client instance's ${failing} failed to start: ${failing} could not start`)
        // Started in Java's order, up to the one that failed.
        expect(yield* Ref.get(started)).toEqual(subsystemOrder.slice(0, subsystemOrder.indexOf(failing) + 1))
        // Every fiber forked was interrupted, and two minutes on, nothing reached the broker.
        expect(alive).toEqual([])
        const before = yield* received("broker-a")
        yield* TestClock.adjust("2 minutes")
        yield* fibersSettle()
        expect(yield* received("broker-a")).toEqual(before)
        expect(before.filter((r) => r.code === RequestCode.UNREGISTER_CLIENT)).toEqual([])
        expect(yield* Ref.get(persisted)).toBe(0)
      }).pipe(Effect.provide(withCluster())))
  }
})
