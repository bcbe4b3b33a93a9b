import { Context, Data, type Effect, type Scope } from "effect"
import type { ConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { ConsumerData } from "../protocol/bodies/HeartbeatData.js"
import type { ConsumeMessageDirectlyResult } from "../protocol/bodies/OffsetTableBody.js"
import type { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import type { ClientConfig } from "./ClientConfig.js"

/**
 * The life of a client instance (Java: `ServiceState`).
 *
 * @since 0.1.0
 * @category models
 */
export type ClientInstanceState = "CREATE_JUST" | "RUNNING" | "START_FAILED" | "SHUTDOWN_ALREADY"

/**
 * A producer group as the instance sees it: the topics it publishes to, and what to tell it when a route changes.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProducerRegistration {
  readonly groupName: string
  readonly topics: Effect.Effect<ReadonlyArray<string>>
  readonly onRouteChanged?: ((topic: string, route: TopicRouteData) => Effect.Effect<void>) | undefined
}

/**
 * A consumer group as the instance sees it: what its heartbeats say, what to tell it when a route changes, how to
 * persist its offsets, and how to apply a new consume concurrency.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumerRegistration {
  readonly groupName: string
  readonly data: Effect.Effect<ConsumerData>
  readonly onRouteChanged?: ((topic: string, route: TopicRouteData) => Effect.Effect<void>) | undefined
  readonly persistOffsets: Effect.Effect<void, unknown>
  readonly adjustConcurrency?: Effect.Effect<void, unknown> | undefined
  /** One rebalance (Java: `MQConsumerInner.doRebalance`), run every 20 s and at once when the group changes. */
  readonly rebalance?: Effect.Effect<void> | undefined
  /** Answers GET_CONSUMER_RUNNING_INFO (Java: `consumerRunningInfo`). */
  readonly runningInfo?: Effect.Effect<ConsumerRunningInfo> | undefined
  /** Answers CONSUME_MESSAGE_DIRECTLY: the message through the handler (Java: `consumeMessageDirectly`). */
  readonly consumeDirectly?:
    | ((message: MessageExt, brokerName: string | undefined) => Effect.Effect<ConsumeMessageDirectlyResult>)
    | undefined
  /** Applies RESET_CONSUMER_CLIENT_OFFSET (Java: `MQClientInstance.resetOffset`). */
  readonly resetOffset?:
    | ((topic: string, offsets: ReadonlyArray<readonly [MessageQueue, number]>) => Effect.Effect<void>)
    | undefined
}

/**
 * A second producer or consumer of the same group in one instance (Java: "The producer group has been created
 * before, specify another name please.").
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateGroupError extends Data.TaggedError("DuplicateGroupError")<{
  readonly kind: "producer" | "consumer"
  readonly group: string
}> {
  override get message(): string {
    return `the ${this.kind} group ${this.group} is already registered in this client instance`
  }
}

/**
 * One client instance per process and client id, shared by its producers and consumers (Java: `MQClientInstance`):
 * its scheduled tasks run as fibers in its scope.
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
  /** Wakes the rebalance task now (Java: `rebalanceImmediately`), as NOTIFY_CONSUMER_IDS_CHANGED does. */
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
