import { commandHeader, field } from "./CommandHeader.js"

/**
 * Header of PULL_MESSAGE (11) and of 5.x's LITE_PULL_MESSAGE (361) (Java: `PullMessageRequestHeader`; `bname` is the
 * broker name, new in 4.9.8; `maxMsgBytes`, 5.x, the most bytes of messages an answer may hold).
 *
 * @since 0.1.0
 * @category headers
 */
export const PullMessageRequestHeader = commandHeader("PullMessageRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  queueOffset: field.long(),
  maxMsgNums: field.int(),
  sysFlag: field.int(),
  commitOffset: field.long(),
  suspendTimeoutMillis: field.long(),
  subscription: field.optional(field.string()),
  subVersion: field.long(),
  expressionType: field.optional(field.string()),
  bname: field.optional(field.string()),
  maxMsgBytes: field.optional(field.int())
})

/**
 * Response header of PULL_MESSAGE (Java: `PullMessageResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const PullMessageResponseHeader = commandHeader("PullMessageResponseHeader", {
  suggestWhichBrokerId: field.long(),
  nextBeginOffset: field.long(),
  minOffset: field.long(),
  maxOffset: field.long()
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
 * Header of QUERY_CONSUMER_OFFSET (14) (Java: `QueryConsumerOffsetRequestHeader`; `bname` the broker name, from 5.0).
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryConsumerOffsetRequestHeader = commandHeader("QueryConsumerOffsetRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  bname: field.optional(field.string())
})

/**
 * Response header of QUERY_CONSUMER_OFFSET (Java: `QueryConsumerOffsetResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const QueryConsumerOffsetResponseHeader = commandHeader("QueryConsumerOffsetResponseHeader", {
  offset: field.optional(field.long())
})

/**
 * Header of UPDATE_CONSUMER_OFFSET (15), sent oneway (Java: `UpdateConsumerOffsetRequestHeader`; `bname` from 5.0).
 *
 * @since 0.1.0
 * @category headers
 */
export const UpdateConsumerOffsetRequestHeader = commandHeader("UpdateConsumerOffsetRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  commitOffset: field.long(),
  bname: field.optional(field.string())
})

// `bname`: the broker name, sent by Java 5.x (`RpcRequestHeader`); 4.x brokers ignore it.
const topicQueue = { topic: field.string(), queueId: field.int(), bname: field.optional(field.string()) }

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
  timestamp: field.long()
})

/**
 * Header of SEARCH_OFFSET_BY_TIMESTAMP (29) (Java: `SearchOffsetRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const SearchOffsetRequestHeader = commandHeader("SearchOffsetRequestHeader", {
  topic: field.string(),
  queueId: field.int(),
  timestamp: field.long(),
  bname: field.optional(field.string())
})

/**
 * Response header carrying one offset: GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP (Java:
 * `GetMaxOffsetResponseHeader`, `GetMinOffsetResponseHeader`, `SearchOffsetResponseHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const OffsetResponseHeader = commandHeader("OffsetResponseHeader", { offset: field.long() })
