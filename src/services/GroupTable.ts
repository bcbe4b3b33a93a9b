import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { ConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { ConsumerData } from "../protocol/bodies/HeartbeatData.js"
import type { ConsumeMessageDirectlyResult } from "../protocol/bodies/OffsetTableBody.js"
import type { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"

/**
 * The producer group every Java client instance runs for itself and announces in its heartbeats (Java:
 * `MixAll.CLIENT_INNER_PRODUCER_GROUP`).
 *
 * @since 0.1.0
 * @category constants
 */
export const CLIENT_INNER_PRODUCER_GROUP = "CLIENT_INNER_PRODUCER"

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
  /**
   * Answers GET_CONSUMER_STATUS_FROM_CLIENT: the consumer's offsets in memory of a topic's queues (Java:
   * `MQClientInstance.getConsumerStatus`, the offset store's `cloneOffsetTable`). A consumer without it answers none.
   */
  readonly consumeStatus?:
    | ((topic: string) => Effect.Effect<ReadonlyArray<readonly [MessageQueue, number]>>)
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
 * The producer and consumer groups of one client instance (Java: `MQClientInstance.producerTable` and
 * `consumerTable`): what the heartbeat announces, the route refresh follows, the offset persistence and the rebalance
 * service go over, and the broker's requests about a consumer group reach.
 *
 * @since 0.1.0
 * @category services
 */
export interface GroupTableService {
  /** The producers registered now (the instance's own inner producer not among them). */
  readonly producers: Effect.Effect<ReadonlyArray<ProducerRegistration>>
  /** The consumers registered now. */
  readonly consumers: Effect.Effect<ReadonlyArray<ConsumerRegistration>>
  /** The consumer of a group, if registered. */
  readonly consumer: (group: string) => Effect.Effect<ConsumerRegistration | undefined>
  /** Adds a producer; a group already there (or the inner producer's) is refused. */
  readonly addProducer: (registration: ProducerRegistration) => Effect.Effect<void, DuplicateGroupError>
  /** Adds a consumer; a group already there is refused. */
  readonly addConsumer: (registration: ConsumerRegistration) => Effect.Effect<void, DuplicateGroupError>
  /** Removes a producer group (nothing when it is not there). */
  readonly removeProducer: (group: string) => Effect.Effect<void>
  /** Removes a consumer group (nothing when it is not there). */
  readonly removeConsumer: (group: string) => Effect.Effect<void>
}

/**
 * The group table service.
 *
 * @since 0.1.0
 * @category services
 */
export class GroupTable extends Context.Tag("effect-rocketmq/GroupTable")<GroupTable, GroupTableService>() {}
