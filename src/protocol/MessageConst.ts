/**
 * Well-known message property names (Java: `org.apache.rocketmq.common.message.MessageConst`, 4.9.8).
 *
 * @since 0.1.0
 * @category protocol
 */
export const MessageConst = {
  KEYS: "KEYS",
  TAGS: "TAGS",
  WAIT: "WAIT",
  DELAY: "DELAY",
  RETRY_TOPIC: "RETRY_TOPIC",
  REAL_TOPIC: "REAL_TOPIC",
  REAL_QID: "REAL_QID",
  TRAN_MSG: "TRAN_MSG",
  PGROUP: "PGROUP",
  MIN_OFFSET: "MIN_OFFSET",
  MAX_OFFSET: "MAX_OFFSET",
  BUYER_ID: "BUYER_ID",
  ORIGIN_MESSAGE_ID: "ORIGIN_MESSAGE_ID",
  TRANSFER_FLAG: "TRANSFER_FLAG",
  CORRECTION_FLAG: "CORRECTION_FLAG",
  MQ2_FLAG: "MQ2_FLAG",
  RECONSUME_TIME: "RECONSUME_TIME",
  MSG_REGION: "MSG_REGION",
  TRACE_ON: "TRACE_ON",
  UNIQ_KEY: "UNIQ_KEY",
  MAX_RECONSUME_TIMES: "MAX_RECONSUME_TIMES",
  CONSUME_START_TIME: "CONSUME_START_TIME",
  TRAN_PREPARED_QUEUE_OFFSET: "TRAN_PREPARED_QUEUE_OFFSET",
  TRANSACTION_CHECK_TIMES: "TRANSACTION_CHECK_TIMES",
  CHECK_IMMUNITY_TIME_IN_SECONDS: "CHECK_IMMUNITY_TIME_IN_SECONDS",
  INSTANCE_ID: "INSTANCE_ID",
  CORRELATION_ID: "CORRELATION_ID",
  REPLY_TO_CLIENT: "REPLY_TO_CLIENT",
  TTL: "TTL",
  ARRIVE_TIME: "ARRIVE_TIME",
  PUSH_REPLY_TIME: "PUSH_REPLY_TIME",
  CLUSTER: "CLUSTER",
  MSG_TYPE: "MSG_TYPE",
  INNER_MULTI_DISPATCH: "INNER_MULTI_DISPATCH",
  INNER_MULTI_QUEUE_OFFSET: "INNER_MULTI_QUEUE_OFFSET",
  // RocketMQ 5.x (`common/.../message/MessageConst.java` at rocketmq-all-5.1.0).
  /** A popped message's handle: what ACK_MESSAGE and CHANGE_MESSAGE_INVISIBLETIME carry as `extraInfo`. */
  POP_CK: "POP_CK",
  /** When a message was first popped (Java: `PROPERTY_FIRST_POP_TIME`). */
  FIRST_POP_TIME: "1ST_POP_TIME",
  /** A timer message's delivery time, epoch milliseconds (Java: `Message.setDeliverTimeMs`). */
  TIMER_DELIVER_MS: "TIMER_DELIVER_MS",
  /** A timer message's delay in seconds (Java: `Message.setDelayTimeSec`). */
  TIMER_DELAY_SEC: "TIMER_DELAY_SEC",
  /** A timer message's delay in milliseconds (Java: `Message.setDelayTimeMs`). */
  TIMER_DELAY_MS: "TIMER_DELAY_MS",
  /** Set by the broker on a delivered timer message: when it was due, enqueued and dequeued. */
  TIMER_OUT_MS: "TIMER_OUT_MS",
  TIMER_ENQUEUE_MS: "TIMER_ENQUEUE_MS",
  TIMER_DEQUEUE_MS: "TIMER_DEQUEUE_MS"
} as const

/**
 * Separator of keys in the `KEYS` property (Java: `MessageConst.KEY_SEPARATOR`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const KEY_SEPARATOR = " "

/**
 * Property names a user may not set themselves (Java: `MessageConst.STRING_HASH_SET`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set([
  "TRACE_ON",
  "MSG_REGION",
  "KEYS",
  "TAGS",
  "WAIT",
  "DELAY",
  "RETRY_TOPIC",
  "REAL_TOPIC",
  "REAL_QID",
  "TRAN_MSG",
  "PGROUP",
  "MIN_OFFSET",
  "MAX_OFFSET",
  "BUYER_ID",
  "ORIGIN_MESSAGE_ID",
  "TRANSFER_FLAG",
  "CORRECTION_FLAG",
  "MQ2_FLAG",
  "RECONSUME_TIME",
  "UNIQ_KEY",
  "MAX_RECONSUME_TIMES",
  "CONSUME_START_TIME",
  "INSTANCE_ID",
  "CORRELATION_ID",
  "REPLY_TO_CLIENT",
  "TTL",
  "ARRIVE_TIME",
  "PUSH_REPLY_TIME",
  "CLUSTER",
  "MSG_TYPE",
  "INNER_MULTI_QUEUE_OFFSET",
  "POP_CK",
  "1ST_POP_TIME",
  "TIMER_DELIVER_MS",
  "TIMER_DELAY_SEC",
  "TIMER_DELAY_MS",
  "TIMER_OUT_MS",
  "TIMER_ENQUEUE_MS",
  "TIMER_DEQUEUE_MS"
])

/**
 * The prefix of a consumer group's retry topic, `%RETRY%group` (Java: `MixAll.RETRY_GROUP_TOPIC_PREFIX`).
 *
 * @since 0.1.0
 * @category constants
 */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%"

/**
 * The prefix of a consumer group's dead-letter topic, `%DLQ%group` (Java: `MixAll.DLQ_GROUP_TOPIC_PREFIX`).
 *
 * @since 0.1.0
 * @category constants
 */
export const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%"
