import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import {
  type LitePullArgumentError,
  type LitePullCallError,
  LitePullConsumer,
  type LitePullConsumerOptions,
  type LitePullConsumerService,
  type PolledBatch
} from "../services/LitePullConsumer.js"
import type { RemotingError } from "../services/RemotingClient.js"
import {
  decodeAll,
  type Decoded,
  type DecodeErrorPolicy,
  MessageDecodeError,
  type Topic,
  type UserProperties
} from "../services/Topic.js"
import { pollStream } from "./litepull/PollStream.js"
import type { LitePullConsumerStartError } from "./LitePullConsumerLive.js"
import type { PushConsumerRequirements } from "./PushConsumerLive.js"

/** Delay levels of a send-back: 0 lets the broker pick (the retry topic), -1 is the DLQ at once (Java). */
const RETRY_LEVEL = 0
const DEAD_LETTER_LEVEL = -1

/**
 * Options of a typed poll: what to do with a message the topic's schemas do not decode (see `DecodeErrorPolicy`;
 * no default), and how long to wait when nothing is buffered (`pollTimeoutMillis` unless given).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface TypedPollOptions {
  readonly onDecodeError: DecodeErrorPolicy
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * A batch a typed poll handed out: the messages that decoded, in offset order, those sent back (`"retry"`,
 * `"dead-letter"`), and the offset of the queue that committing the batch stores.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface TypedPolledBatch<A, T = string, K = string, P = UserProperties> {
  readonly queue: MessageQueue
  readonly values: ReadonlyArray<Decoded<A, T, K, P>>
  readonly sentBack: ReadonlyArray<MessageDecodeError>
  readonly nextOffset: number
}

/**
 * What a typed poll can fail with: a message that does not decode (`"fail"`, or a batch of another topic), a
 * send-back that failed (`"retry"`, `"dead-letter"`), a negative timeout.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export type TypedPollError = MessageDecodeError | LitePullCallError | RemotingError | LitePullArgumentError

/**
 * The next batch of a lite pull consumer, decoded by `topic` (see `LitePullConsumer.typedPoll`); `undefined` when
 * nothing came within the timeout. When the poll fails, the queue seeks back to the batch's first offset (which
 * commits it): nothing of the batch is committed past, and the queue's next poll hands it out again.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const typedPollBatch = <A, T, K, P>(
  consumer: LitePullConsumerService,
  topic: Topic<A, T, K, P>,
  options: TypedPollOptions
): Effect.Effect<TypedPolledBatch<A, T, K, P> | undefined, TypedPollError> =>
  Effect.flatMap(
    consumer.pollBatch(options.timeout),
    (batch) =>
      batch === undefined ? Effect.succeed(undefined) : Effect.tapError(
        decodeBatch(consumer, topic, options.onDecodeError, batch),
        () => seekBack(consumer, batch)
      )
  )

const decodeBatch = <A, T, K, P>(
  consumer: LitePullConsumerService,
  topic: Topic<A, T, K, P>,
  policy: DecodeErrorPolicy,
  batch: PolledBatch
): Effect.Effect<TypedPolledBatch<A, T, K, P>, MessageDecodeError | LitePullCallError | RemotingError> => {
  const { messages, nextOffset, queue } = batch
  if (queue.topic !== topic.name) {
    return Effect.fail(
      new MessageDecodeError({
        topic: topic.name,
        part: "body",
        reason: `a batch of the topic ${queue.topic}, not of ${topic.name}`,
        raw: messages[0]!
      })
    )
  }
  const { decoded, undecodable } = decodeAll(topic, messages)
  const done = { queue, values: decoded, sentBack: undecodable, nextOffset }
  if (undecodable.length === 0) return Effect.succeed(done)
  if (policy === "fail") return Effect.fail(undecodable[0]!)
  if (consumer.messageModel === "BROADCASTING") {
    // No retry or dead-letter topic for broadcasting: dropped, as Java drops failed broadcast messages.
    return Effect.as(
      Effect.forEach(
        undecodable,
        (error) =>
          Effect.logWarning("a broadcast message that does not decode is dropped").pipe(
            Effect.annotateLogs({ msgId: error.raw.msgId, error: error.message })
          ),
        { discard: true }
      ),
      done
    )
  }
  const delayLevel = policy === "retry" ? RETRY_LEVEL : DEAD_LETTER_LEVEL
  return Effect.as(
    Effect.forEach(undecodable, (error) =>
      Effect.zipRight(
        consumer.sendMessageBack(queue, error.raw, delayLevel),
        Effect.logWarning(
          delayLevel === DEAD_LETTER_LEVEL
            ? "a message that does not decode went to the dead-letter topic"
            : "a message that does not decode was sent back for retry"
        ).pipe(Effect.annotateLogs({ msgId: error.raw.msgId, error: error.message }))
      ), { discard: true }),
    done
  )
}

/** The queue's next poll starts again at the batch (a queue let go meanwhile is passed over). */
const seekBack = (consumer: LitePullConsumerService, batch: PolledBatch) =>
  Effect.catchAll(consumer.seek(batch.queue, batch.messages[0]!.queueOffset), (e) =>
    e._tag === "QueueNotAssignedError"
      ? Effect.void
      : Effect.logWarning("seeking back to a batch that failed its typed poll failed").pipe(
        Effect.annotateLogs({ error: e.message })
      ))

/**
 * Polls the lite pull consumer of the context and decodes the batch by `topic` (see `LitePullConsumer.typedPoll`).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const typedPoll = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  options: TypedPollOptions
): Effect.Effect<ReadonlyArray<Decoded<A, T, K, P>>, TypedPollError, LitePullConsumer> =>
  Effect.flatMap(
    LitePullConsumer,
    (consumer) => Effect.map(typedPollBatch(consumer, topic, options), (batch) => batch?.values ?? [])
  )

/**
 * Settings of a typed lite pull stream: those of `LitePullConsumer.stream` with the decode-error policy.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface TypedLitePullStreamOptions extends Omit<LitePullConsumerOptions, "autoCommit"> {
  readonly onDecodeError: DecodeErrorPolicy
}

/**
 * A lite pull consumer of a typed topic as a `Stream` of decoded batches (see `LitePullConsumer.typedStream`).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const typedStream = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  options: TypedLitePullStreamOptions
): Stream.Stream<
  ReadonlyArray<Decoded<A, T, K, P>>,
  LitePullConsumerStartError | MessageDecodeError | LitePullCallError | RemotingError,
  PushConsumerRequirements
> => {
  const { onDecodeError, ...rest } = options
  return pollStream(rest, (consumer) => {
    const next: Effect.Effect<
      TypedPolledBatch<A, T, K, P>,
      MessageDecodeError | LitePullCallError | RemotingError
    > = Effect.flatMap(
      Effect.catchTag(typedPollBatch(consumer, topic, { onDecodeError }), "LitePullArgumentError", Effect.die),
      (batch) => batch === undefined ? next : Effect.succeed(batch)
    )
    return Effect.map(next, (batch) => ({ batch, out: batch.values }))
  }).pipe(Stream.filter((values) => values.length > 0))
}
