import { commandHeader, field } from "./CommandHeader.js"

/**
 * Header of DELETE_TOPIC_IN_BROKER (215) (Java: `DeleteTopicRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const DeleteTopicRequestHeader = commandHeader("DeleteTopicRequestHeader", {
  topic: field.string()
})

/**
 * Header of DELETE_TOPIC_IN_NAMESRV (216) (Java: `DeleteTopicFromNamesrvRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const DeleteTopicFromNamesrvRequestHeader = commandHeader("DeleteTopicFromNamesrvRequestHeader", {
  topic: field.string(),
  clusterName: field.optional(field.string())
})

/**
 * Header of GET_TOPIC_STATS_INFO (202) (Java: `GetTopicStatsInfoRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetTopicStatsInfoRequestHeader = commandHeader("GetTopicStatsInfoRequestHeader", {
  topic: field.string()
})

/**
 * Header of GET_CONSUMER_CONNECTION_LIST (203) (Java: `GetConsumerConnectionListRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumerConnectionListRequestHeader = commandHeader("GetConsumerConnectionListRequestHeader", {
  consumerGroup: field.string()
})

/**
 * Header of GET_CONSUME_STATS (208) (Java: `GetConsumeStatsRequestHeader`); no topic: every topic the group has
 * offsets of.
 *
 * @since 0.1.0
 * @category headers
 */
export const GetConsumeStatsRequestHeader = commandHeader("GetConsumeStatsRequestHeader", {
  consumerGroup: field.string(),
  topic: field.optional(field.string())
})

/**
 * Header of DELETE_SUBSCRIPTIONGROUP (207) (Java: `DeleteSubscriptionGroupRequestHeader`): whether to drop the group's
 * offsets too is `removeOffset` to 4.9 brokers and `cleanOffset` to 5.x ones.
 *
 * @since 0.1.0
 * @category headers
 */
export const DeleteSubscriptionGroupRequestHeader = commandHeader("DeleteSubscriptionGroupRequestHeader", {
  groupName: field.string(),
  removeOffset: field.optional(field.boolean()),
  cleanOffset: field.optional(field.boolean())
})

/**
 * Header of VIEW_MESSAGE_BY_ID (33): the message's commit-log offset (Java: `ViewMessageRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const ViewMessageRequestHeader = commandHeader("ViewMessageRequestHeader", {
  offset: field.long()
})

/**
 * Header of QUERY_MESSAGE (12) (Java: `QueryMessageRequestHeader`); `_UNIQUE_KEY_QUERY` ("true") asks for a unique
 * key (message id) rather than a key of `KEYS`.
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryMessageRequestHeader = commandHeader("QueryMessageRequestHeader", {
  topic: field.string(),
  key: field.string(),
  maxNum: field.int(),
  beginTimestamp: field.long(),
  endTimestamp: field.long(),
  _UNIQUE_KEY_QUERY: field.optional(field.boolean())
})

/**
 * Response header of QUERY_MESSAGE (Java: `QueryMessageResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryMessageResponseHeader = commandHeader("QueryMessageResponseHeader", {
  indexLastUpdateTimestamp: field.long(),
  indexLastUpdatePhyoffset: field.long()
})
