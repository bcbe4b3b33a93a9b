import { Schema } from "effect"
import { BooleanField, commandHeader, IntField, LongField } from "./CommandHeader.js"

/**
 * Header of GET_ROUTEINFO_BY_TOPIC (105) (Java: `GetRouteInfoRequestHeader`); `acceptStandardJsonOnly` asks a
 * 4.9.4+ name server for standard JSON.
 *
 * @since 0.1.0
 * @category headers
 */
export const GetRouteInfoRequestHeader = commandHeader("GetRouteInfoRequestHeader", {
  topic: Schema.String,
  acceptStandardJsonOnly: Schema.optional(BooleanField)
})

/**
 * Header of UNREGISTER_CLIENT (35) (Java: `UnregisterClientRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const UnregisterClientRequestHeader = commandHeader("UnregisterClientRequestHeader", {
  clientID: Schema.String,
  producerGroup: Schema.optional(Schema.String),
  consumerGroup: Schema.optional(Schema.String)
})

/**
 * Header of GET_CONSUMER_LIST_BY_GROUP (38) (Java: `GetConsumerListByGroupRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerListByGroupRequestHeader = commandHeader("GetConsumerListByGroupRequestHeader", {
  consumerGroup: Schema.String
})

/**
 * Header of NOTIFY_CONSUMER_IDS_CHANGED (40), sent by the broker (Java: `NotifyConsumerIdsChangedRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const NotifyConsumerIdsChangedRequestHeader = commandHeader("NotifyConsumerIdsChangedRequestHeader", {
  consumerGroup: Schema.String
})

/**
 * Header of RESET_CONSUMER_CLIENT_OFFSET (220), sent by the broker (Java: `ResetOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ResetOffsetRequestHeader = commandHeader("ResetOffsetRequestHeader", {
  topic: Schema.String,
  group: Schema.String,
  timestamp: LongField,
  isForce: BooleanField
})

/**
 * Header of GET_CONSUMER_STATUS_FROM_CLIENT (221), sent by the broker (Java: `GetConsumerStatusRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerStatusRequestHeader = commandHeader("GetConsumerStatusRequestHeader", {
  topic: Schema.String,
  group: Schema.String,
  clientAddr: Schema.optional(Schema.String)
})

/**
 * Header of GET_CONSUMER_RUNNING_INFO (307), sent by the broker (Java: `GetConsumerRunningInfoRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerRunningInfoRequestHeader = commandHeader("GetConsumerRunningInfoRequestHeader", {
  consumerGroup: Schema.String,
  clientId: Schema.String,
  jstackEnable: Schema.optional(BooleanField)
})

/**
 * Header of CONSUME_MESSAGE_DIRECTLY (309), sent by the broker (Java: `ConsumeMessageDirectlyResultRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ConsumeMessageDirectlyResultRequestHeader = commandHeader("ConsumeMessageDirectlyResultRequestHeader", {
  consumerGroup: Schema.String,
  clientId: Schema.optional(Schema.String),
  msgId: Schema.optional(Schema.String),
  brokerName: Schema.optional(Schema.String)
})

/**
 * Header of UPDATE_AND_CREATE_TOPIC (17) (Java: `CreateTopicRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const CreateTopicRequestHeader = commandHeader("CreateTopicRequestHeader", {
  topic: Schema.String,
  defaultTopic: Schema.String,
  readQueueNums: IntField,
  writeQueueNums: IntField,
  perm: IntField,
  topicFilterType: Schema.String,
  topicSysFlag: Schema.optional(IntField),
  order: BooleanField
})
