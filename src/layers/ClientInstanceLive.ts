import { Cause, Duration, Effect, Exit, Layer, Metric, Option, Ref, Schedule, type Scope } from "effect"
import { encodeBody } from "../protocol/bodies/Body.js"
import { HeartbeatData } from "../protocol/bodies/HeartbeatData.js"
import { request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { type ClientConfig, type ClientConfigError, clientId, makeClientConfig } from "../services/ClientConfig.js"
import {
  ClientInstance,
  type ClientInstanceService,
  type ClientInstanceState,
  type ConsumerRegistration,
  DuplicateGroupError,
  type ProducerRegistration
} from "../services/ClientInstance.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"

/**
 * The producer group every Java client instance runs for itself and announces in its heartbeats (Java:
 * `MixAll.CLIENT_INNER_PRODUCER_GROUP`).
 *
 * @since 0.1.0
 * @category constants
 */
export const CLIENT_INNER_PRODUCER_GROUP = "CLIENT_INNER_PRODUCER"

/**
 * Ticks of a scheduled task that failed, by task (tag `task`).
 *
 * @since 0.1.0
 * @category metrics
 */
export const taskFailures = Metric.counter("rocketmq_client_task_failures_total", {
  description: "Scheduled-task ticks that failed (logged; the task goes on)"
})

/**
 * When the scheduled tasks run (Java: `MQClientInstance.startScheduledTask`): route refresh first after 10 ms, then
 * every poll interval; offline-broker cleanup and heartbeat first after 1 s, then every heartbeat interval; offset
 * persistence first after 10 s, then every persist interval; consume-concurrency adjustment every minute.
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DELAYS = {
  routeRefresh: Duration.millis(10),
  heartbeat: Duration.seconds(1),
  persistOffsets: Duration.seconds(10),
  adjustConcurrency: Duration.minutes(1)
} as const

/** A task run every `interval` after `first`; a failing tick is logged and counted, and the task goes on. */
const scheduled = (
  task: string,
  first: Duration.Duration,
  interval: Duration.Duration,
  tick: Effect.Effect<void, unknown>
) => {
  const failures: Metric.Metric.Counter<number> = taskFailures.pipe(Metric.tagged("task", task))
  return tick.pipe(
    Effect.exit,
    Effect.flatMap((exit) =>
      Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)
        ? Effect.zipRight(
          Metric.increment(failures),
          Effect.logWarning(`scheduled task ${task} failed; it goes on`, exit.cause).pipe(Effect.annotateLogs({ task }))
        )
        : Effect.void
    ),
    Effect.repeat(Schedule.spaced(interval)),
    Effect.delay(first),
    Effect.forkScoped
  )
}

/**
 * Builds the client instance in the current scope (Java: `MQClientInstance.start`): the scheduled tasks are fibers
 * in the scope. Closing the scope shuts down in Java's order: the tasks stop, every consumer's offsets are persisted,
 * the client is unregistered from every broker; the transport, built beneath, closes its connections after.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: ClientConfig
): Effect.Effect<ClientInstanceService, never, Scope.Scope | RemotingClient | TopicRouteCache> =>
  Effect.gen(function*() {
    const client = yield* RemotingClient
    const routes = yield* TopicRouteCache
    const id = clientId(config)
    const state = yield* Ref.make<ClientInstanceState>("CREATE_JUST")
    const producers = new Map<string, ProducerRegistration>()
    const consumers = new Map<string, ConsumerRegistration>()
    const heartbeatLock = yield* Effect.makeSemaphore(1)
    const timeout = config.apiTimeout
    const annotate = Effect.annotateLogs({ clientId: id })

    /** Broker addresses: every master, and the slaves too when asked (consumers pull from slaves). */
    const brokers = (withSlaves: boolean) =>
      Effect.map(
        routes.brokerAddresses,
        (table) =>
          [...table.values()].flatMap((ids) =>
            Object.entries(ids).filter(([brokerId]) => withSlaves || brokerId === "0").map(([, address]) => address)
          )
      )

    const unregister = (group: { readonly producerGroup?: string; readonly consumerGroup?: string }) =>
      Effect.flatMap(
        brokers(true),
        (addresses) =>
          Effect.forEach(addresses, (address) =>
            client.invoke(address, request(RequestCode.UNREGISTER_CLIENT, { clientID: id, ...group }), timeout).pipe(
              Effect.catchAll((error) =>
                Effect.logWarning("unregister failed").pipe(Effect.annotateLogs({ address, error: error.message }))
              )
            ), { concurrency: "unbounded", discard: true })
      )

    /** Every registered consumer's offsets, read at each run (consumers come and go). */
    const persistAll = Effect.suspend(() =>
      Effect.forEach(
        [...consumers.values()],
        (c) => c.persistOffsets.pipe(Effect.annotateLogs({ group: c.groupName })),
        { discard: true }
      )
    )

    // Added before the tasks are forked, so it runs after they are interrupted (finalizers run in reverse).
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* Ref.set(state, "SHUTDOWN_ALREADY")
        yield* Effect.catchAllCause(persistAll, (cause) =>
          Effect.logWarning("persisting offsets at shutdown failed", cause))
        for (const c of consumers.keys()) {
          yield* unregister({ consumerGroup: c })
        }
        for (const p of [...producers.keys(), CLIENT_INNER_PRODUCER_GROUP]) {
          yield* unregister({ producerGroup: p })
        }
      }).pipe(annotate)
    )

    const heartbeatData = Effect.gen(function*() {
      const consumerDataSet = yield* Effect.forEach([...consumers.values()], (c) => c.data)
      const producerDataSet = [...producers.keys(), CLIENT_INNER_PRODUCER_GROUP].map((groupName) => ({ groupName }))
      return { clientID: id, producerDataSet, consumerDataSet }
    })

    /** Heartbeats to every broker, one at a time (Java: `sendHeartbeatToAllBrokerWithLock`); a failure is logged. */
    const sendHeartbeat = heartbeatLock.withPermits(1)(
      Effect.gen(function*() {
        const data = yield* heartbeatData
        const body = encodeBody(HeartbeatData, data)
        const addresses = yield* brokers(data.consumerDataSet.length > 0)
        yield* Effect.forEach(
          addresses,
          (address) =>
            client.invoke(address, request(RequestCode.HEART_BEAT, {}, { body }), timeout).pipe(
              Effect.flatMap((answer) =>
                answer.code === ResponseCode.SUCCESS
                  ? Effect.void
                  : Effect.logWarning("heartbeat refused").pipe(
                    Effect.annotateLogs({ address, code: answer.code, remark: answer.remark ?? "" })
                  )
              ),
              Effect.catchAll((error) =>
                Effect.logWarning("heartbeat failed").pipe(Effect.annotateLogs({ address, error: error.message }))
              )
            ),
          { concurrency: "unbounded", discard: true }
        )
      }).pipe(annotate)
    )

    const usedTopics = Effect.gen(function*() {
      const topics = new Set<string>()
      for (const p of producers.values()) for (const t of yield* p.topics) topics.add(t)
      for (const c of consumers.values()) for (const s of (yield* c.data).subscriptionDataSet) topics.add(s.topic)
      return [...topics]
    })

    /** Refreshes every used topic's route; a changed route is told to the producers and consumers. */
    const refreshRoutes = Effect.gen(function*() {
      const failures: Array<unknown> = []
      for (const topic of yield* usedTopics) {
        const result = yield* Effect.either(routes.refresh(topic))
        if (result._tag === "Left") {
          failures.push(result.left)
          continue
        }
        const { changed, route } = result.right
        if (!changed || Option.isNone(route)) continue
        for (const p of producers.values()) if (p.onRouteChanged) yield* p.onRouteChanged(topic, route.value)
        for (const c of consumers.values()) if (c.onRouteChanged) yield* c.onRouteChanged(topic, route.value)
      }
      if (failures.length > 0) return yield* Effect.fail(failures[0])
    })

    const cleanOfflineBrokers = Effect.flatMap(
      routes.removeOfflineBrokers,
      (addresses) => Effect.forEach(addresses, (address) => client.closeConnection(address), { discard: true })
    )

    const adjustConcurrency = Effect.suspend(() =>
      Effect.forEach([...consumers.values()], (c) => c.adjustConcurrency ?? Effect.void, { discard: true })
    )

    yield* scheduled("routeRefresh", FIRST_DELAYS.routeRefresh, config.pollNameServerInterval, refreshRoutes)
    yield* scheduled(
      "heartbeat",
      FIRST_DELAYS.heartbeat,
      config.heartbeatBrokerInterval,
      Effect.zipRight(cleanOfflineBrokers, sendHeartbeat)
    )
    yield* scheduled("persistOffsets", FIRST_DELAYS.persistOffsets, config.persistConsumerOffsetInterval, persistAll)
    yield* scheduled("adjustConcurrency", FIRST_DELAYS.adjustConcurrency, Duration.minutes(1), adjustConcurrency)
    yield* Ref.set(state, "RUNNING")

    /** After a registration: its routes at once, and heartbeats (Java does both when a producer or consumer starts). */
    const announce = Effect.zipRight(Effect.ignore(refreshRoutes), sendHeartbeat)

    return {
      clientId: id,
      config,
      state: Ref.get(state),
      registerProducer: (registration) =>
        Effect.acquireRelease(
          Effect.suspend(() => {
            const group = registration.groupName
            if (producers.has(group) || group === CLIENT_INNER_PRODUCER_GROUP) {
              return Effect.fail(new DuplicateGroupError({ kind: "producer", group }))
            }
            producers.set(group, registration)
            return announce
          }),
          () =>
            Effect.suspend(() => {
              producers.delete(registration.groupName)
              return unregister({ producerGroup: registration.groupName })
            })
        ),
      registerConsumer: (registration) =>
        Effect.acquireRelease(
          Effect.suspend(() => {
            const group = registration.groupName
            if (consumers.has(group)) return Effect.fail(new DuplicateGroupError({ kind: "consumer", group }))
            consumers.set(group, registration)
            return announce
          }),
          () =>
            Effect.gen(function*() {
              yield* Effect.catchAllCause(
                registration.persistOffsets,
                (cause) => Effect.logWarning("persisting offsets failed", cause)
              )
              consumers.delete(registration.groupName)
              yield* unregister({ consumerGroup: registration.groupName })
            })
        ),
      refreshRoutes: Effect.ignore(refreshRoutes),
      sendHeartbeat
    }
  })

/**
 * The client instance as a layer, from settings that are validated first (a bad one fails the layer with a
 * `ClientConfigError`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  input: unknown
): Layer.Layer<ClientInstance, ClientConfigError, RemotingClient | TopicRouteCache> =>
  Layer.scoped(ClientInstance, Effect.flatMap(makeClientConfig(input), make))
