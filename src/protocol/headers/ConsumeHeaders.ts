import { Schema } from "effect"
import { commandHeader, IntField, LongField } from "./CommandHeader.js"

/**
 * Header of PULL_MESSAGE (11) (Java: `PullMessageRequestHeader`; `bname` is the broker name, new in 4.9.8).
 *
 * @since 0.1.0
 * @category headers
 */
export const PullMessageRequestHeader = commandHeader("PullMessageRequestHeader", {
  consumerGroup: Schema.String,
  topic: Schema.String,
  queueId: IntField,
  queueOffset: LongField,
  maxMsgNums: IntField,
  sysFlag: IntField,
  commitOffset: LongField,
  suspendTimeoutMillis: LongField,
  subscription: Schema.optional(Schema.String),
  subVersion: LongField,
  expressionType: Schema.optional(Schema.String),
  bname: Schema.optional(Schema.String)
})

/**
 * Response header of PULL_MESSAGE (Java: `PullMessageResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const PullMessageResponseHeader = commandHeader("PullMessageResponseHeader", {
  suggestWhichBrokerId: LongField,
  nextBeginOffset: LongField,
  minOffset: LongField,
  maxOffset: LongField
})

/**
 * Bits of a pull request's `sysFlag` (Java: `PullSysFlag`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  LITE_PULL: 0x10
} as const

/**
 * Header of QUERY_CONSUMER_OFFSET (14) (Java: `QueryConsumerOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryConsumerOffsetRequestHeader = commandHeader("QueryConsumerOffsetRequestHeader", {
  consumerGroup: Schema.String,
  topic: Schema.String,
  queueId: IntField
})

/**
 * Response header of QUERY_CONSUMER_OFFSET (Java: `QueryConsumerOffsetResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryConsumerOffsetResponseHeader = commandHeader("QueryConsumerOffsetResponseHeader", {
  offset: Schema.optional(LongField)
})

/**
 * Header of UPDATE_CONSUMER_OFFSET (15), sent oneway (Java: `UpdateConsumerOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const UpdateConsumerOffsetRequestHeader = commandHeader("UpdateConsumerOffsetRequestHeader", {
  consumerGroup: Schema.String,
  topic: Schema.String,
  queueId: IntField,
  commitOffset: LongField
})

const topicQueue = { topic: Schema.String, queueId: IntField }

/**
 * Header of GET_MAX_OFFSET (30) (Java: `GetMaxOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetMaxOffsetRequestHeader = commandHeader("GetMaxOffsetRequestHeader", topicQueue)

/**
 * Header of GET_MIN_OFFSET (31) (Java: `GetMinOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetMinOffsetRequestHeader = commandHeader("GetMinOffsetRequestHeader", topicQueue)

/**
 * Header of GET_EARLIEST_MSG_STORETIME (32) (Java: `GetEarliestMsgStoretimeRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetEarliestMsgStoretimeRequestHeader = commandHeader("GetEarliestMsgStoretimeRequestHeader", topicQueue)

/**
 * Response header of GET_EARLIEST_MSG_STORETIME (Java: `GetEarliestMsgStoretimeResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const GetEarliestMsgStoretimeResponseHeader = commandHeader("GetEarliestMsgStoretimeResponseHeader", {
  timestamp: LongField
})

/**
 * Header of SEARCH_OFFSET_BY_TIMESTAMP (29) (Java: `SearchOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const SearchOffsetRequestHeader = commandHeader("SearchOffsetRequestHeader", {
  ...topicQueue,
  timestamp: LongField
})

/**
 * Response header carrying one offset: GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP (Java:
 * `GetMaxOffsetResponseHeader`, `GetMinOffsetResponseHeader`, `SearchOffsetResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const OffsetResponseHeader = commandHeader("OffsetResponseHeader", { offset: LongField })
