import type * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Sink from "effect/Sink"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import type { BrokerResponseError } from "./BrokerResponseError.js"
import type { Message, MessageValidationError } from "./Message.js"
import type { RemotingError } from "./RemotingClient.js"
import type { RequestClosedError, RequestTimeoutError } from "./RequestFutures.js"
import type { MessageEncodeError, MessageFields, Topic, UserProperties } from "./Topic.js"
import type { RouteError } from "./TopicRouteCache.js"

/**
 * How a broker stored a sent message (Java: `SendStatus`).
 *
 * @since 0.1.0
 * @category models
 */
export type SendStatus = "SEND_OK" | "FLUSH_DISK_TIMEOUT" | "FLUSH_SLAVE_TIMEOUT" | "SLAVE_NOT_AVAILABLE"

/**
 * The result of a send (Java: `SendResult`): `msgId` is the unique client id (`UNIQ_KEY`), `offsetMsgId` the
 * broker's offset message id.
 *
 * @since 0.1.0
 * @category models
 */
export interface SendResult {
  readonly sendStatus: SendStatus
  readonly msgId: string
  readonly offsetMsgId: string
  readonly messageQueue: MessageQueue
  readonly queueOffset: number
  readonly transactionId?: string | undefined
}

/**
 * No route for a topic: the name servers asked do not know it and it cannot be created from the default topic
 * (Java: "No route info of this topic").
 *
 * @since 0.1.0
 * @category errors
 */
export class NoRouteError extends Data.TaggedError("NoRouteError")<{
  readonly topic: string
  readonly nameServers: ReadonlyArray<string>
}> {
  override get message(): string {
    return `No route info of this topic: ${this.topic}, name servers asked: ${this.nameServers.join(";") || "(none)"}`
  }
}

/**
 * Everything a send can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type SendError = MessageValidationError | NoRouteError | BrokerResponseError | RemotingError | RouteError

/**
 * Picks the queue of a message (Java: `MessageQueueSelector`).
 *
 * @since 0.1.0
 * @category models
 */
export type QueueSelector = (queues: ReadonlyArray<MessageQueue>, message: Message) => MessageQueue

/**
 * Options of one send.
 *
 * @since 0.1.0
 * @category models
 */
export interface SendOptions {
  /** The whole send's time, retries included (Java: `sendMsgTimeout`, 3 s). */
  readonly timeout?: Duration.DurationInput | undefined
  /** Send to this queue; no retry on another broker (Java: `send(msg, mq)`). */
  readonly queue?: MessageQueue | undefined
  /** Pick the queue; no retry on another broker (Java: `send(msg, selector, arg)`). */
  readonly selector?: QueueSelector | undefined
}

/**
 * Options of a typed send (`send(topic, value, options)`): those of a send, with the message's tags, keys and user
 * properties as the topic types them, its flag and delay level.
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedSendOptions<T = string, K = string, P = UserProperties>
  extends SendOptions, MessageFields<T, K, P>
{}

/**
 * Options of one request (Java: `request(msg, timeout)`, `request(msg, mq, timeout)`,
 * `request(msg, selector, arg, timeout)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** The whole request's time: the send and the wait for the reply (the request's TTL property). */
  readonly timeout: Duration.DurationInput
  /** Send to this queue (no retry on another broker). */
  readonly queue?: MessageQueue | undefined
  /** Pick the queue (no retry on another broker). */
  readonly selector?: QueueSelector | undefined
}

/**
 * Everything a request can fail with: its send's errors, no reply within the timeout, or its producer closed first.
 *
 * @since 0.1.0
 * @category errors
 */
export type RequestError = SendError | RequestTimeoutError | RequestClosedError

/**
 * The outcome of a local transaction (Java: `LocalTransactionState`).
 *
 * @since 0.1.0
 * @category models
 */
export type LocalTransactionState = "COMMIT_MESSAGE" | "ROLLBACK_MESSAGE" | "UNKNOW"

/**
 * The result of a transactional send (Java: `TransactionSendResult`): the half message's send result and what the
 * local transaction decided.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransactionSendResult extends SendResult {
  readonly localTransactionState: LocalTransactionState
}

/**
 * Answers the broker's question about a transaction left unknown (Java: `TransactionListener.checkLocalTransaction`);
 * a failure counts as UNKNOW, and the broker will ask again.
 *
 * @since 0.1.0
 * @category models
 */
export type TransactionChecker = (message: MessageExt) => Effect.Effect<LocalTransactionState, unknown>

/**
 * A producer of a producer group (Java: `DefaultMQProducer`).
 *
 * @since 0.1.0
 * @category services
 */
export interface ProducerService {
  readonly group: string
  /**
   * Sends and waits for the broker's answer, retrying on another broker when that can help. Given a typed topic
   * (`Topic.make`) and a value, encodes the value (and the options' tags, keys and properties) with the topic's
   * schemas, then sends that message the same way; a value that does not encode is a `MessageEncodeError` and
   * nothing is sent.
   */
  readonly send: {
    (message: Message, options?: SendOptions): Effect.Effect<SendResult, SendError>
    <A, T, K, P>(
      topic: Topic<A, T, K, P>,
      value: NoInfer<A>,
      options?: TypedSendOptions<NoInfer<T>, NoInfer<K>, NoInfer<P>>
    ): Effect.Effect<SendResult, SendError | MessageEncodeError>
  }
  /**
   * Sends messages of one topic as one request (Java: `send(Collection<Message>)`, SEND_BATCH_MESSAGE); `msgId` of
   * the result lists their unique ids joined by commas. Use `splitBatch` to cut a long list under the size limit.
   */
  readonly sendBatch: (messages: ReadonlyArray<Message>, options?: SendOptions) => Effect.Effect<SendResult, SendError>
  /**
   * Sends a half message, runs the local transaction, then commits or rolls back (Java: `sendMessageInTransaction`):
   * the local transaction's failure counts as UNKNOW, left to the broker's check-back and this producer's checker.
   */
  readonly sendInTransaction: <E>(
    message: Message,
    executeLocal: (message: Message, sent: SendResult) => Effect.Effect<LocalTransactionState, E>
  ) => Effect.Effect<TransactionSendResult, SendError>
  /**
   * Sends a request and waits for its reply (Java: `DefaultMQProducer.request`): the message carries a new
   * CORRELATION_ID, this client's id in REPLY_TO_CLIENT and the timeout in TTL; a consumer answers it with
   * `Reply.createReplyMessage`, and the broker pushes the reply back to this client.
   */
  readonly request: (message: Message, options: RequestOptions) => Effect.Effect<MessageExt, RequestError>
  /** Sends with no answer (Java: `sendOneway`). */
  readonly sendOneway: (message: Message, options?: Omit<SendOptions, "timeout">) => Effect.Effect<void, SendError>
}

/**
 * The producer service.
 *
 * @since 0.1.0
 * @category services
 */
export class Producer extends Context.Tag("effect-rocketmq/Producer")<Producer, ProducerService>() {
  /**
   * A `Sink` that sends every message of a stream, up to `concurrency` at a time within each chunk, and ends with
   * the send results in the stream's order. The first failed send fails the sink.
   */
  static readonly sink = (
    options?: { readonly concurrency?: number | undefined; readonly send?: SendOptions | undefined }
  ): Sink.Sink<ReadonlyArray<SendResult>, Message, never, SendError, Producer> =>
    Sink.unwrap(Effect.map(Producer, (producer) =>
      Sink.foldLeftChunksEffect(
        [] as Array<SendResult>,
        (results, chunk: Chunk.Chunk<Message>) =>
          Effect.map(
            Effect.forEach(chunk, (message) => producer.send(message, options?.send), {
              concurrency: options?.concurrency ?? 16
            }),
            (sent) => {
              results.push(...sent)
              return results
            }
          )
      )))
}

/**
 * Queue selectors shipped with the client (Java: `SelectMessageQueueByHash`, `SelectMessageQueueByRandom`).
 *
 * @since 0.1.0
 * @category selectors
 */
export const QueueSelectors = {
  /** The same sharding key always picks the same queue (Java's `String.hashCode`, absolute value, modulo). */
  byHash: (key: (message: Message) => string): QueueSelector => (queues, message) => {
    let h = 0
    const k = key(message)
    for (let i = 0; i < k.length; i++) h = (Math.imul(31, h) + k.charCodeAt(i)) | 0
    return queues[Math.abs(h % queues.length)]!
  },
  random: (): QueueSelector => (queues) => queues[Math.floor(Math.random() * queues.length)]!
}
