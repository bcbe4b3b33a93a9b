import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { Version } from "../protocol/Version.js"
import { type ClientConfig, type ClientConfigError, clientId, makeClientConfig } from "../services/ClientConfig.js"
import {
  ClientInstance,
  type ClientInstanceService,
  type ClientInstanceState,
  ClientStartError,
  type ClientSubsystem
} from "../services/ClientInstance.js"
import type { ClientSettings } from "../services/ClientSettings.js"
import type { ConcurrencyAdjustment } from "../services/ConcurrencyAdjustment.js"
import { CLIENT_INNER_PRODUCER_GROUP, GroupTable } from "../services/GroupTable.js"
import { Heartbeat } from "../services/Heartbeat.js"
import { OffsetPersistence } from "../services/OffsetPersistence.js"
import type { PullMessageService } from "../services/PullMessageService.js"
import { RebalanceService } from "../services/RebalanceService.js"
import type { RemotingClient } from "../services/RemotingClient.js"
import type { RequestFutures } from "../services/RequestFutures.js"
import type { RequestHandlers } from "../services/RequestHandlers.js"
import type { TopicRouteCache } from "../services/TopicRouteCache.js"
import { TopicRouteRefresh } from "../services/TopicRouteRefresh.js"
import * as ClientRemotingProcessorLive from "./ClientRemotingProcessorLive.js"
import * as ConcurrencyAdjustmentLive from "./ConcurrencyAdjustmentLive.js"
import * as GroupTableLive from "./GroupTableLive.js"
import * as HeartbeatLive from "./HeartbeatLive.js"
import * as OffsetPersistenceLive from "./OffsetPersistenceLive.js"
import * as PullMessageServiceLive from "./PullMessageServiceLive.js"
import * as RebalanceServiceLive from "./RebalanceServiceLive.js"
import * as RequestFuturesLive from "./RequestFuturesLive.js"
import { shutdownStep } from "./ScheduledTask.js"
import * as TopicRouteRefreshLive from "./TopicRouteRefreshLive.js"

export {
  /**
   * Ticks of a scheduled task that failed, by task (tag `task`).
   *
   * @since 0.1.0
   * @category metrics
   */
  taskFailures
} from "./ScheduledTask.js"

/**
 * What a client instance provides: itself and its subsystems.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientInstanceServices =
  | ClientInstance
  | GroupTable
  | TopicRouteRefresh
  | Heartbeat
  | OffsetPersistence
  | ConcurrencyAdjustment
  | PullMessageService
  | RebalanceService
  | RequestFutures

/**
 * What a client instance stands on: the transport, its registry of handlers for brokers' requests, the route cache.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientInstanceRequirements = RemotingClient | RequestHandlers | TopicRouteCache

/**
 * The layer of each subsystem (`subsystems(config)` gives the usual ones; a test may put another in one's place).
 *
 * @since 0.1.0
 * @category models
 */
export interface Subsystems {
  readonly groupTable: Layer.Layer<GroupTable, unknown>
  readonly topicRouteRefresh: Layer.Layer<TopicRouteRefresh, unknown, GroupTable | TopicRouteCache>
  readonly heartbeat: Layer.Layer<Heartbeat, unknown, GroupTable | RemotingClient | TopicRouteCache>
  readonly offsetPersistence: Layer.Layer<OffsetPersistence, unknown, GroupTable>
  readonly concurrencyAdjustment: Layer.Layer<ConcurrencyAdjustment, unknown, GroupTable>
  readonly pullMessageService: Layer.Layer<PullMessageService, unknown>
  readonly rebalanceService: Layer.Layer<RebalanceService, unknown, GroupTable>
  readonly clientRemotingProcessor: Layer.Layer<never, unknown, GroupTable | RebalanceService | RequestHandlers>
  readonly requestFutures: Layer.Layer<RequestFutures, unknown, RequestHandlers>
}

/**
 * The usual layer of each subsystem, with the settings it takes.
 *
 * @since 0.1.0
 * @category layers
 */
export const subsystems = (config: ClientConfig): Subsystems => ({
  groupTable: GroupTableLive.layer,
  topicRouteRefresh: TopicRouteRefreshLive.layer(config),
  heartbeat: HeartbeatLive.layer({ ...config, clientId: clientId(config) }),
  offsetPersistence: OffsetPersistenceLive.layer(config),
  concurrencyAdjustment: ConcurrencyAdjustmentLive.layer,
  pullMessageService: PullMessageServiceLive.layer,
  rebalanceService: RebalanceServiceLive.layer,
  clientRemotingProcessor: ClientRemotingProcessorLive.layer,
  requestFutures: RequestFuturesLive.layer
})

/** A subsystem's layer whose failure to start is a `ClientStartError` naming it. */
const starting = <A, R>(subsystem: ClientSubsystem, layer: Layer.Layer<A, unknown, R>) =>
  Layer.mapError(layer, (cause) => new ClientStartError({ subsystem, cause }))

/**
 * The client instance itself, over its subsystems: registrations (a group added to the table, then its routes
 * refreshed and a heartbeat sent; closing the registration's scope unregisters it), its state, and its shutdown.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: ClientConfig
): Effect.Effect<
  ClientInstanceService,
  never,
  Scope.Scope | GroupTable | TopicRouteRefresh | Heartbeat | OffsetPersistence | RebalanceService
> =>
  Effect.gen(function*() {
    const groups = yield* GroupTable
    const routeRefresh = yield* TopicRouteRefresh
    const heartbeat = yield* Heartbeat
    const rebalance = yield* RebalanceService
    const offsets = yield* OffsetPersistence
    const id = clientId(config)
    let state: ClientInstanceState = "RUNNING"
    const leaving = (step: string, work: Effect.Effect<void>) =>
      shutdownStep(step, config.shutdownTimeout, work).pipe(Effect.annotateLogs({ clientId: id }))

    // The instance's own shutdown (Java: `MQClientInstance.shutdown`, only from RUNNING: after a failed start there is
    // no instance, and nothing to persist or unregister). It runs before its subsystems stop: the offsets of the
    // consumers still registered are persisted, then their groups, the producers' and the inner producer's are
    // unregistered from every broker.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(
        Effect.sync(() => void (state = "SHUTDOWN_ALREADY")),
        leaving(
          "client instance",
          Effect.gen(function*() {
            yield* Effect.catchAllCause(
              offsets.persistAll,
              (cause) => Effect.logWarning("persisting offsets at shutdown failed", cause)
            )
            const left = [
              ...(yield* groups.consumers).map((c) => ({ consumerGroup: c.groupName })),
              ...[...(yield* groups.producers).map((p) => p.groupName), CLIENT_INNER_PRODUCER_GROUP].map((g) => ({
                producerGroup: g
              }))
            ]
            yield* Effect.forEach(left, heartbeat.unregister, { concurrency: "unbounded", discard: true })
          })
        )
      )
    )

    /** After a registration: its routes at once, and heartbeats (Java does both when a producer or consumer starts). */
    const announce = Effect.zipRight(Effect.ignore(routeRefresh.refreshAll), heartbeat.sendToAllBrokers)
    return {
      clientId: id,
      config,
      state: Effect.sync(() => state),
      registerProducer: (registration) =>
        Effect.acquireRelease(
          Effect.zipRight(groups.addProducer(registration), announce),
          () =>
            leaving(
              "producer",
              Effect.zipRight(
                groups.removeProducer(registration.groupName),
                heartbeat.unregister({ producerGroup: registration.groupName })
              )
            )
        ),
      registerConsumer: (registration) =>
        Effect.acquireRelease(
          Effect.zipRight(groups.addConsumer(registration), Effect.zipRight(announce, rebalance.wakeup)),
          () =>
            leaving(
              "consumer",
              Effect.gen(function*() {
                yield* Effect.catchAllCause(
                  registration.persistOffsets,
                  (cause) => Effect.logWarning("persisting offsets failed", cause)
                )
                yield* groups.removeConsumer(registration.groupName)
                yield* heartbeat.unregister({ consumerGroup: registration.groupName })
              })
            ).pipe(Effect.ensuring(groups.removeConsumer(registration.groupName)))
        ),
      refreshRoutes: Effect.ignore(routeRefresh.refreshAll),
      sendHeartbeat: heartbeat.sendToAllBrokers,
      brokerVersion: config.brokerVersion === "auto"
        ? heartbeat.brokerVersion
        : () => Effect.succeed(config.brokerVersion === "5" ? Version.V5_0_0 : Version.V4_9_8),
      rebalanceNow: rebalance.wakeup
    }
  })

/**
 * The client instance composed of its subsystems' layers, started in Java's order (`MQClientInstance.start`, after
 * the transport beneath): the group table, the scheduled tasks (route refresh, heartbeat, offset persistence,
 * concurrency adjustment), the pull message service, the rebalance service, the handlers of brokers' requests, the
 * pending-request table with its handler of pushed replies, then the instance. A subsystem that fails to start fails the whole with a `ClientStartError` naming it, the ones
 * started before it stopped, nothing persisted or unregistered. Closing the scope shuts down in Java's order: the
 * offsets of the consumers still registered persisted and every group unregistered (within `shutdownTimeout`), then
 * the subsystems stopped in the reverse order of their start; the transport, beneath, closes its connections after.
 *
 * @since 0.1.0
 * @category layers
 */
export const compose = (
  config: ClientConfig,
  parts: Subsystems = subsystems(config)
): Layer.Layer<ClientInstanceServices, ClientStartError, ClientInstanceRequirements> =>
  Layer.scoped(ClientInstance, make(config)).pipe(
    Layer.provideMerge(starting("requestFutures", parts.requestFutures)),
    Layer.provideMerge(starting("clientRemotingProcessor", parts.clientRemotingProcessor)),
    Layer.provideMerge(starting("rebalanceService", parts.rebalanceService)),
    Layer.provideMerge(starting("pullMessageService", parts.pullMessageService)),
    Layer.provideMerge(starting("concurrencyAdjustment", parts.concurrencyAdjustment)),
    Layer.provideMerge(starting("offsetPersistence", parts.offsetPersistence)),
    Layer.provideMerge(starting("heartbeat", parts.heartbeat)),
    Layer.provideMerge(starting("topicRouteRefresh", parts.topicRouteRefresh)),
    Layer.provideMerge(starting("groupTable", parts.groupTable))
  )

/**
 * The client instance as a layer, from settings that are validated first (a bad one fails the layer with a
 * `ClientConfigError`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  settings: ClientSettings
): Layer.Layer<ClientInstanceServices, ClientConfigError | ClientStartError, ClientInstanceRequirements> =>
  Layer.unwrapEffect(Effect.map(makeClientConfig(settings), (config) => compose(config)))
