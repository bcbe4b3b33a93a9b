import { codeNames } from "./internal/codeNames.js"

/**
 * Response codes: `RemotingSysResponseCode` (0-4) and `ResponseCode` (10 and up) of Apache RocketMQ 4.9.8.
 *
 * @since 0.1.0
 * @category protocol
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  /** 5.x: a POP_MESSAGE refused because the broker holds too many long polls (the number 4.x gives an ACL failure). */
  POLLING_FULL: 209,
  /** 5.x: a long-polling POP_MESSAGE that found nothing before its poll time. */
  POLLING_TIMEOUT: 210,
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  DELETE_ACL_CONFIG_FAILED: 210,
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  FLOW_CONTROL: 215
} as const

/**
 * A response code's name, e.g. `"TOPIC_NOT_EXIST"`.
 *
 * @since 0.1.0
 * @category protocol
 */
export type ResponseCodeName = keyof typeof ResponseCode

/**
 * The name of a response code, or `undefined` when the number is not one the Java source defines.
 *
 * @since 0.1.0
 * @category protocol
 */
export const responseCodeName = codeNames(ResponseCode)
