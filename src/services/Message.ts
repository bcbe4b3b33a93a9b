import { Data, Either } from "effect"
import { MessageConst, RESERVED_PROPERTY_NAMES, RETRY_GROUP_TOPIC_PREFIX } from "../protocol/MessageConst.js"
import type { MessageProperties } from "../protocol/MessageProperties.js"

/**
 * A message to send (Java: `Message`): topic, body, tags, keys, flag, user properties and delay level.
 *
 * @since 0.1.0
 * @category models
 */
export interface Message {
  readonly topic: string
  readonly body: Uint8Array
  readonly tags?: string | undefined
  readonly keys?: ReadonlyArray<string> | undefined
  readonly flag?: number | undefined
  readonly properties?: MessageProperties | undefined
  /** Java: `setDelayTimeLevel`; 0 or absent is no delay. */
  readonly delayTimeLevel?: number | undefined
  /**
   * Properties the client's own helpers set, which may use reserved names (Java: `MessageAccessor.putProperty`):
   * `Reply.createReplyMessage` puts a reply's CORRELATION_ID, REPLY_TO_CLIENT, TTL and MSG_TYPE here.
   */
  readonly systemProperties?: MessageProperties | undefined
}

/**
 * A message that cannot be sent, found before anything goes on the wire (Java: `Validators.checkMessage`,
 * `MQClientException` with MESSAGE_ILLEGAL).
 *
 * @since 0.1.0
 * @category errors
 */
export class MessageValidationError extends Data.TaggedError("MessageValidationError")<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * The topics no producer may send to (Java: `TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`).
 *
 * @since 0.1.0
 * @category validation
 */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  "SCHEDULE_TOPIC_XXXX",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT"
])

/** Java: `Validators.TOPIC_MAX_LENGTH`. */
/**
 * Java's system topics (`TopicValidator.SYSTEM_TOPIC_SET`), which a broker refuses to create or delete.
 *
 * @since 0.1.0
 * @category validation
 */
export const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  "TBW102",
  "SCHEDULE_TOPIC_XXXX",
  "BenchmarkTest",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRACE_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "SELF_TEST_TOPIC",
  "OFFSET_MOVED_EVENT"
])

/**
 * Whether a topic is one of the broker's own (Java: `TopicValidator.isSystemTopic`): a system topic or `rmq_sys_*`.
 *
 * @since 0.1.0
 * @category validation
 */
export const isSystemTopic = (topic: string): boolean => SYSTEM_TOPICS.has(topic) || topic.startsWith("rmq_sys_")

const TOPIC_MAX_LENGTH = 127

/**
 * Checks a topic name as Java does (Java: `Validators.checkTopic`): not blank, at most 127 characters, only
 * `%|a-zA-Z0-9_-`.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkTopic = (topic: string): Either.Either<string, MessageValidationError> => {
  if (topic.trim().length === 0) {
    return Either.left(new MessageValidationError({ reason: "The specified topic is blank" }))
  }
  if (topic.length > TOPIC_MAX_LENGTH) {
    return Either.left(
      new MessageValidationError({
        reason: `The specified topic is longer than topic max length ${TOPIC_MAX_LENGTH}.`
      })
    )
  }
  if (!/^[%|a-zA-Z0-9_-]+$/.test(topic)) {
    return Either.left(
      new MessageValidationError({
        reason: `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`
      })
    )
  }
  return Either.right(topic)
}

/**
 * Checks a message before it is sent (Java: `Validators.checkMessage`): the topic, a topic one may send to, a
 * non-empty body no larger than `maxMessageSize`, and user properties that do not use the reserved names.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkMessage = (
  message: Message,
  maxMessageSize: number
): Either.Either<Message, MessageValidationError> =>
  Either.flatMap(checkTopic(message.topic), () => {
    if (NOT_ALLOWED_SEND_TOPICS.has(message.topic)) {
      return Either.left(
        new MessageValidationError({ reason: `Sending message to topic[${message.topic}] is forbidden.` })
      )
    }
    if (message.body.length === 0) {
      return Either.left(new MessageValidationError({ reason: "the message body length is zero" }))
    }
    if (message.body.length > maxMessageSize) {
      return Either.left(
        new MessageValidationError({ reason: `the message body size over max value, MAX: ${maxMessageSize}` })
      )
    }
    const reserved = Object.keys(message.properties ?? {}).find((name) => RESERVED_PROPERTY_NAMES.has(name))
    if (reserved !== undefined) {
      return Either.left(
        new MessageValidationError({ reason: `The Property<${reserved}> is used by system, input another please` })
      )
    }
    return Either.right(message)
  })

/**
 * The properties a message travels with (Java: `Message`'s property map): user properties, then KEYS (joined by
 * spaces), TAGS, DELAY and WAIT as Java puts them.
 *
 * @since 0.1.0
 * @category encoding
 */
export const messageProperties = (message: Message): Record<string, string> => {
  const out: Record<string, string> = { ...message.properties, ...message.systemProperties }
  if (message.keys !== undefined && message.keys.length > 0) out[MessageConst.KEYS] = message.keys.join(" ")
  if (message.tags !== undefined && message.tags.length > 0) out[MessageConst.TAGS] = message.tags
  if (message.delayTimeLevel !== undefined && message.delayTimeLevel > 0) {
    out[MessageConst.DELAY] = String(message.delayTimeLevel)
  }
  out[MessageConst.WAIT] = "true"
  return out
}

/**
 * Checks messages to send as one batch (Java: `MessageBatch.generateFromList` and `DefaultMQProducer.batch`): at least
 * one, one topic, no delay level, not a retry topic, each a valid message.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkBatch = (
  messages: ReadonlyArray<Message>,
  maxMessageSize: number
): Either.Either<ReadonlyArray<Message>, MessageValidationError> => {
  const first = messages[0]
  if (first === undefined) return Either.left(new MessageValidationError({ reason: "the batch is empty" }))
  for (const message of messages) {
    if ((message.delayTimeLevel ?? 0) > 0) {
      return Either.left(new MessageValidationError({ reason: "TimeDelayLevel is not supported for batching" }))
    }
    if (message.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      return Either.left(new MessageValidationError({ reason: "Retry Group is not supported for batching" }))
    }
    if (message.topic !== first.topic) {
      return Either.left(
        new MessageValidationError({ reason: "The topic of the messages in one batch should be the same" })
      )
    }
    const checked = checkMessage(message, maxMessageSize)
    if (Either.isLeft(checked)) return Either.left(checked.left)
  }
  return Either.right(messages)
}

/** Bytes a unique id adds to a message in a batch (`UNIQ_KEY`, separators, up to 56 hex characters). */
const UNIQUE_ID_ALLOWANCE = 68

/**
 * The bytes a message takes in a SEND_BATCH_MESSAGE body (Java: `MessageDecoder.encodeMessage`), its unique id
 * included.
 *
 * @since 0.1.0
 * @category encoding
 */
export const batchEntrySize = (message: Message): number => {
  let properties = 0
  for (const [name, value] of Object.entries(messageProperties(message))) {
    properties += Buffer.byteLength(name) + Buffer.byteLength(value) + 2
  }
  return 20 + message.body.length + 2 + properties + UNIQUE_ID_ALLOWANCE
}

/**
 * Cuts a list of messages into batches whose bodies stay within `limit` bytes, in order (Java's `ListSplitter`
 * example). A message larger than the limit on its own forms a batch alone, which the send then refuses.
 *
 * @since 0.1.0
 * @category encoding
 */
export const splitBatch = (
  messages: ReadonlyArray<Message>,
  limit: number = 4 * 1024 * 1024
): ReadonlyArray<ReadonlyArray<Message>> => {
  const batches: Array<Array<Message>> = []
  let current: Array<Message> = []
  let size = 0
  for (const message of messages) {
    const entry = batchEntrySize(message)
    if (current.length > 0 && size + entry > limit) {
      batches.push(current)
      current = []
      size = 0
    }
    current.push(message)
    size += entry
  }
  if (current.length > 0) batches.push(current)
  return batches
}
