import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import { MessageConst, RESERVED_PROPERTY_NAMES, RETRY_GROUP_TOPIC_PREFIX } from "../protocol/MessageConst.js"
import { type MessageProperties, withProperties } from "../protocol/MessageProperties.js"

/** No properties. */
const noProperties: MessageProperties = Object.freeze(Object.create(null))

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
  /**
   * A timer message (RocketMQ 5.x brokers): delivered at this time, epoch milliseconds or a `Date` (Java 5.x:
   * `setDeliverTimeMs`, property `TIMER_DELIVER_MS`). Brokers take it to their timer's precision (1 s) and up to
   * 3 days ahead; a 4.x broker ignores it and delivers at once.
   */
  readonly deliverTime?: number | Date | undefined
  /**
   * A timer message delivered after this delay, counted by the broker from its arrival (Java 5.x: `setDelayTimeMs`,
   * property `TIMER_DELAY_MS`).
   */
  readonly delay?: Duration.DurationInput | undefined
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

/** What is wrong with a message's timer, if anything: one of `deliverTime` and `delay`, not with a delay level. */
const checkTimer = (message: Message): string | undefined => {
  const { delay, deliverTime } = message
  if (deliverTime === undefined && delay === undefined) return undefined
  if (deliverTime !== undefined && delay !== undefined) return "a timer message takes deliverTime or delay, not both"
  if ((message.delayTimeLevel ?? 0) > 0) {
    return "a timer message (deliverTime or delay) cannot have a delayTimeLevel too: the broker would drop its timer"
  }
  if (deliverTime !== undefined) {
    const at = deliverTime instanceof Date ? deliverTime.getTime() : deliverTime
    if (!Number.isSafeInteger(at) || at < 0) return `deliverTime is not a time: ${String(deliverTime)}`
    return undefined
  }
  const millis = Duration.decodeUnknown(delay)
  if (millis._tag === "None" || !Duration.isFinite(millis.value)) return `delay is not a duration: ${String(delay)}`
  return undefined
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
    const timer = checkTimer(message)
    if (timer !== undefined) return Either.left(new MessageValidationError({ reason: timer }))
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
 * spaces), TAGS, DELAY, the timer's TIMER_DELIVER_MS or TIMER_DELAY_MS, and WAIT as Java puts them.
 *
 * @since 0.1.0
 * @category encoding
 */
export const messageProperties = (message: Message): Record<string, string> => {
  // Copied name by name (`withProperties`): an object spread of the user's map took ~400 ns more a send (bench/produce).
  const out = withProperties(message.properties ?? noProperties, message.systemProperties ?? noProperties)
  if (message.keys !== undefined && message.keys.length > 0) out[MessageConst.KEYS] = message.keys.join(" ")
  if (message.tags !== undefined && message.tags.length > 0) out[MessageConst.TAGS] = message.tags
  if (message.delayTimeLevel !== undefined && message.delayTimeLevel > 0) {
    out[MessageConst.DELAY] = String(message.delayTimeLevel)
  }
  if (message.deliverTime !== undefined) {
    const at = message.deliverTime instanceof Date ? message.deliverTime.getTime() : message.deliverTime
    out[MessageConst.TIMER_DELIVER_MS] = String(at)
  } else if (message.delay !== undefined) {
    out[MessageConst.TIMER_DELAY_MS] = String(Math.round(Duration.toMillis(message.delay)))
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
