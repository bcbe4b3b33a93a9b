import { commandHeader, field } from "./CommandHeader.js"

/**
 * Header of GET_ROUTEINFO_BY_TOPIC (105) (Java: `GetRouteInfoRequestHeader`); `acceptStandardJsonOnly` asks a
 * 4.9.4+ name server for standard JSON.
 *
 * @since 0.1.0
 * @category headers
 */
export const GetRouteInfoRequestHeader = commandHeader("GetRouteInfoRequestHeader", {
  topic: field.string(),
  acceptStandardJsonOnly: field.optional(field.boolean())
})

/**
 * Header of UNREGISTER_CLIENT (35) (Java: `UnregisterClientRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const UnregisterClientRequestHeader = commandHeader("UnregisterClientRequestHeader", {
  clientID: field.string(),
  producerGroup: field.optional(field.string()),
  consumerGroup: field.optional(field.string())
})

/**
 * Header of GET_CONSUMER_LIST_BY_GROUP (38) (Java: `GetConsumerListByGroupRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerListByGroupRequestHeader = commandHeader("GetConsumerListByGroupRequestHeader", {
  consumerGroup: field.string()
})

/**
 * Header of NOTIFY_CONSUMER_IDS_CHANGED (40), sent by the broker (Java: `NotifyConsumerIdsChangedRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const NotifyConsumerIdsChangedRequestHeader = commandHeader("NotifyConsumerIdsChangedRequestHeader", {
  consumerGroup: field.string()
})

/**
 * Header of RESET_CONSUMER_CLIENT_OFFSET (220), sent by the broker (Java: `ResetOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ResetOffsetRequestHeader = commandHeader("ResetOffsetRequestHeader", {
  topic: field.string(),
  group: field.string(),
  timestamp: field.long(),
  isForce: field.boolean()
})

/**
 * Header of GET_CONSUMER_STATUS_FROM_CLIENT (221), sent by the broker (Java: `GetConsumerStatusRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerStatusRequestHeader = commandHeader("GetConsumerStatusRequestHeader", {
  topic: field.string(),
  group: field.string(),
  clientAddr: field.optional(field.string())
})

/**
 * Header of GET_CONSUMER_RUNNING_INFO (307), sent by the broker (Java: `GetConsumerRunningInfoRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerRunningInfoRequestHeader = commandHeader("GetConsumerRunningInfoRequestHeader", {
  consumerGroup: field.string(),
  clientId: field.string(),
  jstackEnable: field.optional(field.boolean())
})

/**
 * Header of CONSUME_MESSAGE_DIRECTLY (309), sent by the broker (Java: `ConsumeMessageDirectlyResultRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ConsumeMessageDirectlyResultRequestHeader = commandHeader("ConsumeMessageDirectlyResultRequestHeader", {
  consumerGroup: field.string(),
  clientId: field.optional(field.string()),
  msgId: field.optional(field.string()),
  brokerName: field.optional(field.string())
})

/**
 * Header of UPDATE_AND_CREATE_TOPIC (17) (Java: `CreateTopicRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const CreateTopicRequestHeader = commandHeader("CreateTopicRequestHeader", {
  topic: field.string(),
  defaultTopic: field.string(),
  readQueueNums: field.int(),
  writeQueueNums: field.int(),
  perm: field.int(),
  topicFilterType: field.string(),
  topicSysFlag: field.optional(field.int()),
  order: field.boolean()
})
