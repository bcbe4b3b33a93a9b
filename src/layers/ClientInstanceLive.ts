import { Cause, Duration, Effect, Either, Exit, Layer, Metric, Option, Queue, Ref, Schedule, type Scope } from "effect"
import { encodeBody } from "../protocol/bodies/Body.js"
import { encodeConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import { HeartbeatData } from "../protocol/bodies/HeartbeatData.js"
import { ConsumeMessageDirectlyResult, parseOffsetTable } from "../protocol/bodies/OffsetTableBody.js"
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  ResetOffsetRequestHeader
} from "../protocol/headers/ClientHeaders.js"
import { decodeHeader } from "../protocol/headers/CommandHeader.js"
import { decodeMessages } from "../protocol/MessageDecoder.js"
import { type RemotingCommand, request, response } from "../protocol/RemotingCommand.js"
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
import { RequestHandlers } from "../services/RequestHandlers.js"
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
 * persistence first after 10 s, then every persist interval; consume-concurrency adjustment every minute; rebalance
 * every 20 s (Java: `RebalanceService`'s wait interval), and at once when woken.
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DELAYS = {
  routeRefresh: Duration.millis(10),
  heartbeat: Duration.seconds(1),
  persistOffsets: Duration.seconds(10),
  adjustConcurrency: Duration.minutes(1),
  rebalance: Duration.seconds(20)
} as const

/** One tick of a task whose failure is logged and counted, never fatal to the task. */
const guarded = (task: string, tick: Effect.Effect<void, unknown>) => {
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
    )
  )
}

/**
 * A task run every `interval` after `first`; a failing tick is logged and counted, and the task goes on. It is
 * interruptible whatever the region the instance is built in, so that closing the instance's scope stops it.
 */
const scheduled = (
  task: string,
  first: Duration.Duration,
  interval: Duration.Duration,
  tick: Effect.Effect<void, unknown>
) =>
  guarded(task, tick).pipe(Effect.repeat(Schedule.spaced(interval)), Effect.delay(first), Effect.interruptible)
    .pipe(Effect.forkScoped)

/** The answer Java gives a request about a consumer group this instance does not have. */
const noSuchGroup = (command: RemotingCommand, group: string) =>
  response(command, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer Group <${group}> not exist in this consumer` })

/**
 * Builds the client instance in the current scope (Java: `MQClientInstance.start`): the scheduled tasks are fibers
 * in the scope. Closing the scope shuts down in Java's order: the tasks stop, every consumer's offsets are persisted,
 * the client is unregistered from every broker (each step within `shutdownTimeout`); the transport, built beneath,
 * closes its connections after.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: ClientConfig
): Effect.Effect<ClientInstanceService, never, Scope.Scope | RemotingClient | TopicRouteCache | RequestHandlers> =>
  Effect.gen(function*() {
    const client = yield* RemotingClient
    const handlers = yield* RequestHandlers
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

    /**
     * A shutdown step (a finalizer or release, which runs uninterruptibly) made interruptible, so that it ends at the
     * shutdown deadline, what is left of it given up and logged; each request in it has its own timeout besides.
     */
    const shutdownStep = (step: string, work: Effect.Effect<void>) =>
      Effect.interruptible(work).pipe(
        Effect.timeoutOption(config.shutdownTimeout),
        Effect.flatMap((done) =>
          Option.isSome(done) ? Effect.void : Effect.logWarning("shutdown step given up at the shutdown deadline").pipe(
            Effect.annotateLogs({ step, shutdownTimeoutMillis: Duration.toMillis(config.shutdownTimeout) })
          )
        ),
        annotate
      )

    // Added before the tasks are forked, so it runs after they are interrupted (finalizers run in reverse).
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Ref.set(state, "SHUTDOWN_ALREADY"),
        shutdownStep(
          "client instance",
          Effect.gen(function*() {
            yield* Effect.catchAllCause(persistAll, (cause) =>
              Effect.logWarning("persisting offsets at shutdown failed", cause))
            const groups = [
              ...[...consumers.keys()].map((consumerGroup) => ({ consumerGroup })),
              ...[...producers.keys(), CLIENT_INNER_PRODUCER_GROUP].map((producerGroup) => ({ producerGroup }))
            ]
            yield* Effect.forEach(groups, unregister, { concurrency: "unbounded", discard: true })
          })
        )
      )
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

    // Rebalance (Java: `RebalanceService`): every 20 s, or at once when woken (a consumer started, or a broker said
    // its group changed); wake-ups while one runs fold into one.
    const wake = yield* Queue.sliding<void>(1)
    const rebalanceNow = Effect.asVoid(Queue.offer(wake, undefined))
    const rebalanceAll = Effect.suspend(() =>
      Effect.forEach([...consumers.values()], (c) => c.rebalance ?? Effect.void, { discard: true })
    )
    yield* Effect.raceFirst(Effect.sleep(FIRST_DELAYS.rebalance), Queue.take(wake)).pipe(
      Effect.zipRight(guarded("rebalance", rebalanceAll)),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )

    // Requests brokers send about consumer groups, answered by the group's consumer (Java: `ClientRemotingProcessor`).
    const consumerOf = <A>(
      command: RemotingCommand,
      header: Either.Either<A, unknown>,
      group: (a: A) => string,
      answer: (consumer: ConsumerRegistration, a: A) => Effect.Effect<RemotingCommand | undefined>
    ) => {
      if (Either.isLeft(header)) {
        return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "bad request header" }))
      }
      const consumer = consumers.get(group(header.right))
      return consumer === undefined
        ? Effect.succeed(noSuchGroup(command, group(header.right)))
        : answer(consumer, header.right)
    }
    yield* handlers.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (command, context) =>
      Effect.as(
        Effect.zipRight(
          Effect.logDebug("the broker says a consumer group changed; rebalancing").pipe(
            Effect.annotateLogs({
              address: context.address,
              group: Either.getOrUndefined(decodeHeader(NotifyConsumerIdsChangedRequestHeader, command.extFields))
                ?.consumerGroup ?? ""
            })
          ),
          rebalanceNow
        ),
        undefined
      ))
    yield* handlers.register(RequestCode.GET_CONSUMER_RUNNING_INFO, (command) =>
      consumerOf(
        command,
        decodeHeader(GetConsumerRunningInfoRequestHeader, command.extFields),
        (h) => h.consumerGroup,
        (consumer) =>
          consumer.runningInfo === undefined
            ? Effect.succeed(noSuchGroup(command, consumer.groupName))
            : Effect.map(
              consumer.runningInfo,
              (info) => response(command, ResponseCode.SUCCESS, { body: encodeConsumerRunningInfo(info) })
            )
      ))
    yield* handlers.register(RequestCode.CONSUME_MESSAGE_DIRECTLY, (command) =>
      consumerOf(
        command,
        decodeHeader(ConsumeMessageDirectlyResultRequestHeader, command.extFields),
        (h) => h.consumerGroup,
        (consumer, h) => {
          const [message] = Either.getOrElse(decodeMessages(command.body ?? new Uint8Array(0)), () => [])
          if (consumer.consumeDirectly === undefined || message === undefined) {
            return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "no message to consume" }))
          }
          return Effect.map(consumer.consumeDirectly(message, h.brokerName), (result) =>
            response(command, ResponseCode.SUCCESS, { body: encodeBody(ConsumeMessageDirectlyResult, result) }))
        }
      ))
    yield* handlers.register(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (command) =>
      consumerOf(
        command,
        decodeHeader(ResetOffsetRequestHeader, command.extFields),
        (h) => h.group,
        (consumer, h) => {
          const offsets = parseOffsetTable(Buffer.from(command.body ?? new Uint8Array(0)).toString("utf8"))
          if (consumer.resetOffset === undefined || Either.isLeft(offsets)) return Effect.succeed(undefined)
          // Java answers nothing to a reset.
          return Effect.as(consumer.resetOffset(h.topic, offsets.right), undefined)
        }
      ))
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
            shutdownStep(
              "producer",
              Effect.suspend(() => {
                producers.delete(registration.groupName)
                return unregister({ producerGroup: registration.groupName })
              })
            )
        ),
      registerConsumer: (registration) =>
        Effect.acquireRelease(
          Effect.suspend(() => {
            const group = registration.groupName
            if (consumers.has(group)) return Effect.fail(new DuplicateGroupError({ kind: "consumer", group }))
            consumers.set(group, registration)
            return Effect.zipRight(announce, rebalanceNow)
          }),
          () =>
            shutdownStep(
              "consumer",
              Effect.gen(function*() {
                yield* Effect.catchAllCause(
                  registration.persistOffsets,
                  (cause) => Effect.logWarning("persisting offsets failed", cause)
                )
                consumers.delete(registration.groupName)
                yield* unregister({ consumerGroup: registration.groupName })
              })
            ).pipe(Effect.ensuring(Effect.sync(() => consumers.delete(registration.groupName))))
        ),
      refreshRoutes: Effect.ignore(refreshRoutes),
      sendHeartbeat,
      rebalanceNow
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
): Layer.Layer<ClientInstance, ClientConfigError, RemotingClient | TopicRouteCache | RequestHandlers> =>
  Layer.scoped(ClientInstance, Effect.flatMap(makeClientConfig(input), make))
