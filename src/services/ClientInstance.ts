import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ClientConfig } from "./ClientConfig.js"
import type { ConsumerRegistration, DuplicateGroupError, ProducerRegistration } from "./GroupTable.js"

export {
  CLIENT_INNER_PRODUCER_GROUP,
  type ConsumerRegistration,
  DuplicateGroupError,
  type ProducerRegistration
} from "./GroupTable.js"

/**
 * The life of a client instance (Java: `ServiceState`). An instance exists only once started (a start that fails
 * gives no instance, but a `ClientStartError`), so Java's `CREATE_JUST` and `START_FAILED` are never seen.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientInstanceState = "RUNNING" | "SHUTDOWN_ALREADY"

/**
 * The subsystems of a client instance, in the order they start (Java: `MQClientInstance.start`).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientSubsystem =
  | "groupTable"
  | "topicRouteRefresh"
  | "heartbeat"
  | "offsetPersistence"
  | "concurrencyAdjustment"
  | "pullMessageService"
  | "rebalanceService"
  | "clientRemotingProcessor"
  | "requestFutures"

/**
 * A subsystem of the client instance failed to start; every subsystem started before it was stopped (its scheduled
 * fibers interrupted), and nothing was persisted or unregistered.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientStartError extends Data.TaggedError("ClientStartError")<{
  readonly subsystem: ClientSubsystem
  readonly cause: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `the client instance's ${this.subsystem} failed to start: ${cause}`
  }
}

/**
 * One client instance per process and client id, shared by its producers and consumers (Java: `MQClientInstance`).
 * It only composes its subsystems, each a service with its own layer and scheduled fiber: the group table, the route
 * refresh, the heartbeat, the offset persistence, the consume-concurrency adjustment, the pull message service and
 * the rebalance service.
 *
 * @since 0.1.0
 * @category services
 */
export interface ClientInstanceService {
  readonly clientId: string
  readonly config: ClientConfig
  readonly state: Effect.Effect<ClientInstanceState>
  /** Registers a producer for as long as the scope lives; closing it unregisters the group from every broker. */
  readonly registerProducer: (
    registration: ProducerRegistration
  ) => Effect.Effect<void, DuplicateGroupError, Scope.Scope>
  /** Registers a consumer for as long as the scope lives; closing it persists its offsets and unregisters it. */
  readonly registerConsumer: (
    registration: ConsumerRegistration
  ) => Effect.Effect<void, DuplicateGroupError, Scope.Scope>
  /** Refreshes every used topic's route now (Java: `updateTopicRouteInfoFromNameServer`). */
  readonly refreshRoutes: Effect.Effect<void>
  /** Sends heartbeats to every broker now (Java: `sendHeartbeatToAllBrokerWithLock`), as on a subscription change. */
  readonly sendHeartbeat: Effect.Effect<void>
  /**
   * The version (Java's `MQVersion.Version` ordinal) of the broker at `address` (Java: `findBrokerVersion`): what it
   * answered its last heartbeat with, a broker not heartbeated yet being sent one first; `undefined` when it did not
   * answer. The `brokerVersion` setting `4` or `5` forces 4.9.8's or 5.0.0's.
   */
  readonly brokerVersion: (address: string) => Effect.Effect<number | undefined>
  /** Wakes the rebalance service now (Java: `rebalanceImmediately`), as NOTIFY_CONSUMER_IDS_CHANGED does. */
  readonly rebalanceNow: Effect.Effect<void>
}

/**
 * The client instance service.
 *
 * @since 0.1.0
 * @category services
 */
export class ClientInstance extends Context.Tag("effect-rocketmq/ClientInstance")<
  ClientInstance,
  ClientInstanceService
>() {}
