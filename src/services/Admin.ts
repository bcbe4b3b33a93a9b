import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { ConsumerConnection, SubscriptionGroupConfig } from "../protocol/bodies/AdminBodies.js"
import type { ConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { ProtocolError } from "../protocol/ProtocolError.js"
import type { TraceRecord } from "../protocol/TraceData.js"
import type { BrokerResponseError } from "./BrokerResponseError.js"
import type { NoNameServerError, RemotingError } from "./RemotingClient.js"

/**
 * Input an admin operation refuses before sending anything (Java: `Validators.checkTopic`, `checkGroup`,
 * `TopicValidator.isSystemTopic`, counts and permissions out of range): the field, the value and why.
 *
 * @since 0.1.0
 * @category errors
 */
export class AdminValidationError extends Data.TaggedError("AdminValidationError")<{
  readonly field: string
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `${this.field} ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

/**
 * What an admin operation looked for is not there: no such cluster or broker, a consumer group with no consumer
 * online or no offsets, a message not found (Java: `MQClientException` with CONSUMER_NOT_ONLINE and the like).
 *
 * @since 0.1.0
 * @category errors
 */
export class AdminNotFoundError extends Data.TaggedError("AdminNotFoundError")<{
  readonly what: "cluster" | "broker" | "topic" | "consumer group" | "message"
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.what} ${this.name}: ${this.reason}`
  }
}

/**
 * Every way an admin operation fails.
 *
 * @since 0.1.0
 * @category errors
 */
export type AdminError =
  | AdminValidationError
  | AdminNotFoundError
  | BrokerResponseError
  | RemotingError
  | NoNameServerError
  | ProtocolError

/**
 * The brokers an operation goes to (Java: mqadmin's `-c` or `-b`): every master of a cluster, or one broker by
 * address; neither, every master the name servers know.
 *
 * @since 0.1.0
 * @category models
 */
export interface AdminTarget {
  readonly cluster?: string | undefined
  readonly brokerAddress?: string | undefined
}

/**
 * A topic to create or update (Java: `TopicConfig` as `mqadmin updateTopic` sends it): 8 read and 8 write queues,
 * read and write permission (6) by default.
 *
 * @since 0.1.0
 * @category models
 */
export interface TopicSettings extends AdminTarget {
  readonly topic: string
  readonly readQueueNums?: number | undefined
  readonly writeQueueNums?: number | undefined
  /** `PermName` bits: 2 write, 4 read, 6 both (1, inherit, may be added). */
  readonly perm?: number | undefined
}

/**
 * A master broker an operation went to.
 *
 * @since 0.1.0
 * @category models
 */
export interface BrokerAddress {
  readonly cluster: string
  readonly brokerName: string
  readonly address: string
}

/**
 * One broker of a cluster, by id (0 the master) (Java: `ClusterInfo`'s tables).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterBroker extends BrokerAddress {
  readonly brokerId: number
}

/**
 * A queue's offsets (Java: `TopicOffset` of `examineTopicStats`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TopicQueueStats {
  readonly topic: string
  readonly brokerName: string
  readonly queueId: number
  readonly minOffset: number
  readonly maxOffset: number
  /** When the queue's last message was stored (epoch milliseconds); 0 for an empty queue. */
  readonly lastUpdateTimestamp: number
}

/**
 * A consumer group's settings on brokers (Java: `SubscriptionGroupConfig` as `mqadmin updateSubGroup` sends it);
 * Java's defaults for what is not given.
 *
 * @since 0.1.0
 * @category models
 */
export interface GroupSettings extends AdminTarget {
  readonly group: string
  readonly consumeEnable?: boolean | undefined
  readonly consumeFromMinEnable?: boolean | undefined
  readonly consumeBroadcastEnable?: boolean | undefined
  /** Queues of the group's retry topic (1). */
  readonly retryQueueNums?: number | undefined
  /** Deliveries before a message goes to the dead-letter topic (16). */
  readonly retryMaxTimes?: number | undefined
  readonly brokerId?: number | undefined
  readonly whichBrokerWhenConsumeSlowly?: number | undefined
  readonly notifyConsumerIdsChangedEnable?: boolean | undefined
}

/**
 * One queue of a group's progress (Java: `OffsetWrapper`, a row of `mqadmin consumerProgress`).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueueProgress {
  readonly topic: string
  readonly brokerName: string
  readonly queueId: number
  readonly brokerOffset: number
  readonly consumerOffset: number
  /** brokerOffset - consumerOffset (Java's "Diff"). */
  readonly lag: number
  /** When the last message consumed was stored (epoch milliseconds); 0 when none. */
  readonly lastTimestamp: number
}

/**
 * A consumer group's progress (Java: `examineConsumeStats`): its queues in Java's order, the total lag ("Diff
 * Total") and the consume TPS the brokers report.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConsumeProgress {
  readonly group: string
  readonly queues: ReadonlyArray<QueueProgress>
  readonly totalLag: number
  readonly consumeTps: number
}

/**
 * A reset of a group's offsets to a point in time (Java: `resetOffsetByTimestamp`, `-1` for the end of each queue).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResetOffsetRequest {
  readonly group: string
  readonly topic: string
  /** Epoch milliseconds; -1 moves to each queue's max offset. */
  readonly timestamp: number
  /** Also move forward (true by default, as mqadmin's `-f`); false only moves offsets back. */
  readonly force?: boolean | undefined
}

/**
 * One queue of a reset: the offset it was set to (`live`: by the broker, which told the group's consumers; `offline`:
 * written by this client, as Java's `resetOffsetByTimestampOld`, with the offsets before).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResetQueueOffset {
  readonly topic: string
  readonly brokerName: string
  readonly queueId: number
  readonly offset: number
  readonly brokerOffset?: number | undefined
  readonly consumerOffset?: number | undefined
  readonly timestampOffset?: number | undefined
}

/**
 * What a reset did.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResetOffsetResult {
  readonly mode: "live" | "offline"
  readonly queues: ReadonlyArray<ResetQueueOffset>
}

/**
 * A message query by key in a time range (Java: `MQAdminImpl.queryMessage`): at most `maxNum` (32) per broker.
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageQuery {
  readonly topic: string
  readonly key: string
  readonly beginTimestamp?: number | undefined
  readonly endTimestamp?: number | undefined
  readonly maxNum?: number | undefined
}

/**
 * The admin API (Java: `DefaultMQAdminExt` and `MQAdminImpl`): topics, clusters, consumer groups, offsets and
 * messages, each request a typed call whose broker errors are `BrokerResponseError`s. Names and counts are checked
 * before any request (`AdminValidationError`).
 *
 * @since 0.1.0
 * @category services
 */
export interface AdminService {
  /** Creates or updates a topic on the target's master brokers (UPDATE_AND_CREATE_TOPIC); answers them. */
  readonly createTopic: (settings: TopicSettings) => Effect.Effect<ReadonlyArray<BrokerAddress>, AdminError>
  /** Deletes a topic from the target's brokers (DELETE_TOPIC_IN_BROKER), then from every name server. */
  readonly deleteTopic: (topic: string, target?: AdminTarget) => Effect.Effect<void, AdminError>
  /** Every topic the name servers know (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted. */
  readonly listTopics: Effect.Effect<ReadonlyArray<string>, AdminError>
  /** A topic's route (GET_ROUTEINFO_BY_TOPIC). */
  readonly topicRoute: (topic: string) => Effect.Effect<TopicRouteData, AdminError>
  /** A topic's queues with their offsets on each broker (GET_TOPIC_STATS_INFO). */
  readonly topicStats: (topic: string) => Effect.Effect<ReadonlyArray<TopicQueueStats>, AdminError>
  /** Every broker of every cluster (GET_BROKER_CLUSTER_INFO). */
  readonly clusterBrokers: Effect.Effect<ReadonlyArray<ClusterBroker>, AdminError>
  /** A broker's runtime statistics (GET_BROKER_RUNTIME_INFO), as the broker names them. */
  readonly brokerRuntimeInfo: (address: string) => Effect.Effect<Readonly<Record<string, string>>, AdminError>
  /** Creates or updates a consumer group on the target's masters (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP). */
  readonly createGroup: (settings: GroupSettings) => Effect.Effect<ReadonlyArray<BrokerAddress>, AdminError>
  /** A consumer group's settings on each of the target's masters that has it (GET_ALL_SUBSCRIPTIONGROUP_CONFIG). */
  readonly groupConfigs: (
    group: string,
    target?: AdminTarget
  ) => Effect.Effect<
    ReadonlyArray<{ readonly broker: BrokerAddress; readonly config: SubscriptionGroupConfig }>,
    AdminError
  >
  /** Deletes a consumer group from the target's masters (DELETE_SUBSCRIPTIONGROUP), its offsets too if asked. */
  readonly deleteGroup: (
    group: string,
    options?: AdminTarget & { readonly removeOffset?: boolean | undefined }
  ) => Effect.Effect<ReadonlyArray<BrokerAddress>, AdminError>
  /** A group's consumers online (GET_CONSUMER_CONNECTION_LIST); `AdminNotFoundError` when none is. */
  readonly groupConnections: (group: string) => Effect.Effect<ConsumerConnection, AdminError>
  /** A group's progress on every broker of its retry topic (GET_CONSUME_STATS), one topic or all. */
  readonly consumeProgress: (group: string, topic?: string) => Effect.Effect<ConsumeProgress, AdminError>
  /** What one consumer of a group reports about itself, through a broker (GET_CONSUMER_RUNNING_INFO). */
  readonly consumerRunningInfo: (
    group: string,
    clientId: string
  ) => Effect.Effect<ConsumerRunningInfo, AdminError>
  /**
   * Resets a group's offsets on a topic to a timestamp: through the brokers, which tell the group's consumers
   * (INVOKE_BROKER_TO_RESET_OFFSET); for a group with no consumer online, by writing each queue's offset
   * (SEARCH_OFFSET_BY_TIMESTAMP and UPDATE_CONSUMER_OFFSET), as mqadmin's `resetOffsetByTime` falls back.
   */
  readonly resetOffset: (request: ResetOffsetRequest) => Effect.Effect<ResetOffsetResult, AdminError>
  /** The offline reset alone (Java: `resetOffsetByTimestampOld`). */
  readonly resetOffsetOffline: (request: ResetOffsetRequest) => Effect.Effect<ResetOffsetResult, AdminError>
  /** A message by its offset message id: the broker's address and commit-log offset (VIEW_MESSAGE_BY_ID). */
  readonly viewMessage: (offsetMsgId: string) => Effect.Effect<MessageExt, AdminError>
  /** Messages with a key in a time range, from every broker of the topic (QUERY_MESSAGE). */
  readonly queryMessagesByKey: (query: MessageQuery) => Effect.Effect<ReadonlyArray<MessageExt>, AdminError>
  /** Messages with a unique key (the producer's message id) (QUERY_MESSAGE, unique-key flag). */
  readonly queryMessagesByUniqueKey: (
    topic: string,
    msgId: string
  ) => Effect.Effect<ReadonlyArray<MessageExt>, AdminError>
  /** A message's trace: the records of RMQ_SYS_TRACE_TOPIC (or `traceTopic`) keyed by its message id. */
  readonly messageTrace: (msgId: string, traceTopic?: string) => Effect.Effect<ReadonlyArray<TraceRecord>, AdminError>
}

/**
 * The admin service.
 *
 * @since 0.1.0
 * @category services
 */
export class Admin extends Context.Tag("effect-rocketmq/Admin")<Admin, AdminService>() {}
