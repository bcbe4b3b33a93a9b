/**
 * The workload of a fault simulation (see `SimulationLive`): its settings, the client stacks on the embedded
 * cluster, the consumers with their recorded batches, the producers, the committed offsets read from the brokers,
 * and the playing of a timeline step.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { messageKeys } from "../protocol/MessageDecoder.js"
import { request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import type { EmbeddedClusterService } from "../services/EmbeddedCluster.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import { Producer, type SendResult } from "../services/Producer.js"
import { type MessageHandler, PushConsumer, type PushConsumerService } from "../services/PushConsumer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { RpcHooks } from "../services/RpcHooks.js"
import * as Simulation from "../services/Simulation.js"
import * as ClientInstanceLive from "./ClientInstanceLive.js"
import * as ProducerLive from "./ProducerLive.js"
import * as PushConsumerLive from "./PushConsumerLive.js"
import * as RemotingClientLive from "./RemotingClientLive.js"
import { RequestHandlersLive } from "./RequestHandlersLive.js"
import * as TopicRouteCacheLive from "./TopicRouteCacheLive.js"

/**
 * The workload of a simulation, with its defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimulationOptions<E = unknown> {
  /** Brokers of the embedded cluster (2). */
  readonly brokers?: number | undefined
  /** Queues of the topic on each broker (2). */
  readonly queuesPerBroker?: number | undefined
  /** Producers, each a client instance of its own (2). */
  readonly producers?: number | undefined
  /** Messages each producer sends, keyed `p{producer}-{sequence}` (15). */
  readonly messagesPerProducer?: number | undefined
  /** Time between two sends of a producer (40 ms). */
  readonly sendInterval?: Duration.DurationInput | undefined
  /** Consumers of the group when the run starts (2). */
  readonly consumers?: number | undefined
  /** Orderly consumers (queue locks, one batch at a time per queue) rather than concurrent ones (false). */
  readonly orderly?: boolean | undefined
  /** The handler under test; by default every batch succeeds. It is wrapped to record what it is given. */
  readonly handler?: MessageHandler<E> | undefined
  /**
   * How long to wait (virtual time), once the schedule has played, for every acknowledged message to be consumed
   * (90 s: past the broker's 60 s queue locks).
   */
  readonly recoveryWithin?: Duration.DurationInput | undefined
  /**
   * How far the run's `TestClock` moves at each turn of the event loop (20 ms): larger runs faster, smaller leaves the
   * I/O more turns per virtual second.
   */
  readonly timeStep?: Duration.DurationInput | undefined
}

/**
 * How many schedules `check` draws and what they hold.
 *
 * @since 0.1.0
 * @category models
 */
export interface PropertyOptions {
  /** Schedules to run (30). */
  readonly runs?: number | undefined
  /** fast-check's seed: the same seed draws the same schedules (42). */
  readonly seed?: number | undefined
  /** The span of fault start times (600 ms, as long as the producers send by default). */
  readonly spanMillis?: number | undefined
  /** Faults in a schedule: at least `minFaults` (1), at most `maxFaults` (4). */
  readonly minFaults?: number | undefined
  readonly maxFaults?: number | undefined
  /** The kinds of faults drawn (`defaultKinds`: all). */
  readonly kinds?: ReadonlyArray<Simulation.FaultKind> | undefined
}

export const group = "sim_consumer"
export const topic = "SimOrders"
const clientIP = "10.0.0.7"
export const clientIdOf = (instanceName: string) => `${clientIP}@${instanceName}`

export const clientSettings = (instanceName: string) => ({
  clientIP,
  instanceName,
  pollNameServerIntervalMillis: 100,
  heartbeatBrokerIntervalMillis: 200,
  persistConsumerOffsetIntervalMillis: 100,
  pullTimeDelayMillisWhenException: 100,
  apiTimeoutMillis: 1_000,
  connectTimeoutMillis: 1_000,
  shutdownTimeoutMillis: 2_000
})

/** A transport on the cluster's name server. */
export const transport = (cluster: EmbeddedClusterService) =>
  RemotingClientLive.layer().pipe(
    Layer.provideMerge(RequestHandlersLive),
    Layer.provide(RpcHooks.none),
    Layer.provideMerge(NameServerAddresses.fixed([cluster.nameServerAddress]))
  )

/** A client instance of its own on the cluster. */
export const clientStack = (cluster: EmbeddedClusterService, instanceName: string) =>
  ClientInstanceLive.layer(clientSettings(instanceName)).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(transport(cluster))
  )

export const settingsOf = <E>(options: SimulationOptions<E>) => ({
  brokers: options.brokers ?? 2,
  queues: options.queuesPerBroker ?? 2,
  producers: options.producers ?? 2,
  messages: options.messagesPerProducer ?? 15,
  sendInterval: Duration.decode(options.sendInterval ?? "40 millis"),
  consumers: options.consumers ?? 2,
  orderly: options.orderly ?? false,
  handler: options.handler ?? (() => Effect.succeed("CONSUME_SUCCESS" as const)),
  recoveryWithin: Duration.decode(options.recoveryWithin ?? "90 seconds"),
  timeStep: Duration.decode(options.timeStep ?? "20 millis")
})

export type Settings<E> = ReturnType<typeof settingsOf<E>>

export const range = (n: number) => Array.from({ length: n }, (_, i) => i)

export const setup = (reason: string) => (cause: unknown) => new Simulation.SimulationSetupError({ reason, cause })

/** The next batch of a consumer, held until `release`; `held` says it is. */
export type Hold = Record<"held" | "release", Deferred.Deferred<void>>

export interface Running {
  readonly scope: Scope.CloseableScope
  readonly consumer: PushConsumerService
  readonly hold: Ref.Ref<Option.Option<Hold>>
}

/** The consumer slots (`c0`, `c1`, ... and `j{index}` for joiners): each started, closed, started again. */
export const makeConsumers = <E>(
  cluster: EmbeddedClusterService,
  settings: Settings<E>,
  record: (event: Simulation.HistoryEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const running = yield* Ref.make(new Map<string, Running>())
    const starts = yield* Ref.make(new Map<string, number>())
    const batches = yield* Ref.make(0)
    const now = Clock.currentTimeMillis

    const wrap = (consumer: string, hold: Ref.Ref<Option.Option<Hold>>): MessageHandler<E> => (messages, context) =>
      Effect.flatMap(Ref.getAndUpdate(batches, (n) => n + 1), (batch) =>
        Effect.gen(function*() {
          yield* record(Simulation.HistoryEvent.Delivered({
            consumer,
            batch,
            orderly: settings.orderly,
            queue: context.queue,
            messages: messages.map((m) => ({
              offset: m.queueOffset,
              key: messageKeys(m)[0] ?? m.msgId,
              reconsumeTimes: m.reconsumeTimes
            })),
            at: yield* now
          }))
          const armed = yield* Ref.getAndSet(hold, Option.none())
          if (Option.isSome(armed)) {
            yield* Deferred.succeed(armed.value.held, undefined)
            yield* Deferred.await(armed.value.release)
          }
          return yield* settings.handler(messages, context)
        }).pipe(Effect.onExit((exit) =>
          Effect.flatMap(now, (at) => {
            const outcome: Simulation.BatchOutcome = Exit.isSuccess(exit)
              ? exit.value
              : Exit.isInterrupted(exit)
              ? "INTERRUPTED"
              : "FAILED"
            return record(Simulation.HistoryEvent.Completed({ consumer, batch, outcome, at }))
          })
        )))

    const start = (slot: string) =>
      Effect.gen(function*() {
        if ((yield* Ref.get(running)).has(slot)) return false
        const n = (yield* Ref.get(starts)).get(slot) ?? 0
        yield* Ref.update(starts, (m) => new Map(m).set(slot, n + 1))
        const hold = yield* Ref.make(Option.none<Hold>())
        const scope = yield* Scope.make()
        const consumer = PushConsumerLive.layer({
          group,
          subscriptions: [{ topic }],
          handler: wrap(`${slot}#${n}`, hold),
          orderly: settings.orderly,
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
          suspendCurrentQueueTime: "100 millis",
          shutdownTimeout: "300 millis"
        }).pipe(Layer.provideMerge(clientStack(cluster, `sim-${slot}`)), Layer.provide(NodeFileSystem.layer))
        const context = yield* Layer.buildWithScope(consumer, scope).pipe(
          Effect.tapError(() => Scope.close(scope, Exit.void)),
          Effect.mapError(setup(`consumer ${slot}`))
        )
        yield* Ref.update(
          running,
          (m) => new Map(m).set(slot, { scope, hold, consumer: Context.get(context, PushConsumer) })
        )
        return true
      })

    const close = (slot: string) =>
      Effect.flatMap(
        Ref.modify(running, (m) => [m.get(slot), new Map([...m].filter(([s]) => s !== slot))] as const),
        (entry) => entry === undefined ? Effect.succeed(false) : Effect.as(Scope.close(entry.scope, Exit.void), true)
      )

    /** Holds the slot's next batch (waiting at most 1 s for one), then closes the consumer as the batch is held. */
    const closeMidBatch = (slot: string, batchCompletes: boolean) =>
      Effect.gen(function*() {
        const entry = (yield* Ref.get(running)).get(slot)
        if (entry === undefined) return false
        const hold: Hold = { held: yield* Deferred.make<void>(), release: yield* Deferred.make<void>() }
        yield* Ref.set(entry.hold, Option.some(hold))
        const held = yield* Deferred.await(hold.held).pipe(Effect.timeout("1 second"), Effect.isSuccess)
        yield* Ref.set(entry.hold, Option.none())
        const closing = yield* Effect.fork(close(slot))
        if (batchCompletes) yield* Deferred.succeed(hold.release, undefined)
        yield* Fiber.join(closing)
        yield* Deferred.succeed(hold.release, undefined)
        return held
      })

    const closeAll = Effect.flatMap(
      Ref.get(running),
      (m) => Effect.forEach([...m.keys()], close, { discard: true })
    )
    /** Every consumer running rebalances now (as the client's 20 s rebalance task would, later). */
    const rebalanceAll = Effect.flatMap(
      Ref.get(running),
      (m) => Effect.forEach([...m.values()], (r) => r.consumer.rebalance, { discard: true })
    )
    return { start, close, closeMidBatch, closeAll, rebalanceAll }
  })

/** Reads the group's committed offset of every queue of the topic from each broker that answers. */
export const readOffsets = (
  cluster: EmbeddedClusterService,
  queues: number,
  record: (e: Simulation.HistoryEvent) => Effect.Effect<void>
) =>
  Effect.flatMap(
    RemotingClient,
    (client) =>
      Effect.forEach(cluster.brokers, (broker) =>
        Effect.forEach(range(queues), (queueId) =>
          client.invoke(
            broker.address,
            request(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, topic, queueId: String(queueId) }),
            "500 millis"
          ).pipe(
            Effect.flatMap((answer) => {
              const offset = Number(answer.extFields?.offset)
              return answer.code !== ResponseCode.SUCCESS || !Number.isInteger(offset) ? Effect.void : Effect.flatMap(
                Clock.currentTimeMillis,
                (at) =>
                  record(
                    Simulation.HistoryEvent.OffsetRead({
                      queue: { topic, brokerName: broker.name, queueId },
                      offset,
                      at
                    })
                  )
              )
            }),
            Effect.ignore
          ), { discard: true }), { discard: true })
  )

export const queueOffset = (result: SendResult) => ({ queue: result.messageQueue, offset: result.queueOffset })

/** A producer sending its messages one after another, `sendInterval` apart; the acknowledged ones recorded. */
export const produce = <E>(
  cluster: EmbeddedClusterService,
  settings: Settings<E>,
  index: number,
  record: (e: Simulation.HistoryEvent) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      ProducerLive.layer({ group: `sim_producer_${index}` }).pipe(
        Layer.provideMerge(clientStack(cluster, `sim-p${index}`))
      )
    ).pipe(Effect.mapError(setup(`producer ${index}`)))
    const producer = Context.get(context, Producer)
    return Effect.forEach(range(settings.messages), (sequence) => {
      const key = `p${index}-${sequence}`
      return producer.send({ topic, body: Buffer.from(key), keys: [key] }, { timeout: "1 second" }).pipe(
        Effect.flatMap((result) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            record(
              Simulation.HistoryEvent.Acknowledged({ producer: index, sequence, key, ...queueOffset(result), at })
            ))
        ),
        Effect.ignore,
        Effect.zipRight(Effect.sleep(settings.sendInterval))
      )
    }, { discard: true })
  })

/** Plays one timeline step; answers whether it took effect. */
export const play = (
  cluster: EmbeddedClusterService,
  consumers: Effect.Effect.Success<ReturnType<typeof makeConsumers>>,
  action: Simulation.TimelineAction
): Effect.Effect<boolean, Simulation.SimulationSetupError> => {
  const broker = (i: number) => cluster.brokers[i]?.name ?? "none"
  const done = <E>(effect: Effect.Effect<void, E>) => Effect.as(effect, true)
  switch (action._tag) {
    case "StartBroker":
      return done(cluster.startBroker(broker(action.broker)))
    case "StartNameServer":
      return done(cluster.startNameServer)
    case "RemoveLatency":
      return done(cluster.setLatency(broker(action.broker), 0))
    case "JoinerLeaves":
      return consumers.close(`j${action.index}`)
    case "RestartConsumer":
      return consumers.start(`c${action.consumer}`)
  }
  const fault = action.fault
  switch (fault._tag) {
    case "BrokerDown":
      return done(cluster.stopBroker(broker(fault.broker)))
    case "NameServerDown":
      return done(cluster.stopNameServer)
    case "Latency":
      return done(cluster.setLatency(broker(fault.broker), Duration.millis(fault.latencyMillis)))
    case "FailRequests":
      return done(
        cluster.failNext(
          broker(fault.broker),
          Simulation.failableRequests[fault.request],
          fault.count,
          ResponseCode.SYSTEM_BUSY,
          "simulated"
        )
      )
    case "CutClient":
      return done(
        cluster.cutClient(
          clientIdOf(fault.client.role === "producer" ? `sim-p${fault.client.index}` : `sim-c${fault.client.index}`)
        )
      )
    case "ConsumerJoins":
      return consumers.start(`j${action.index}`)
    case "ConsumerClosesMidBatch":
      return consumers.closeMidBatch(`c${fault.consumer}`, fault.batchCompletes)
  }
}

/** Runs `condition` every 250 ms until it holds or `within` has passed; answers whether it held. */
export const awaitUpTo = (condition: Effect.Effect<boolean>, within: Duration.Duration) =>
  Effect.repeat(condition, {
    until: (holds) => holds,
    schedule: Schedule.spaced("250 millis").pipe(Schedule.upTo(within))
  })
