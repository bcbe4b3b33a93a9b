import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import {
  type ConsumeResult,
  PushConsumer as PushConsumerTag,
  type PushConsumerOptions
} from "../services/PushConsumer.js"
import {
  type Decoded,
  type DecodeErrorPolicy,
  type MessageDecodeError,
  subscribe,
  type Topic
} from "../services/Topic.js"
import { make, type PushConsumerRequirements, type PushConsumerStartError } from "./PushConsumerLive.js"

/**
 * Settings of a consumer seen as a stream: those of a push consumer but the handler (the stream's consumer is the
 * handler) and the batch size (one message at a time).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PushConsumerStreamOptions = Omit<
  PushConsumerOptions<never, never>,
  "handler" | "consumeMessageBatchMaxSize"
>

/**
 * A push consumer as a `Stream` of messages (see `PushConsumer.stream`). Each message is handed over one at a time;
 * it counts as consumed (its offset may be committed) once the stream's consumer has taken it and asks for the next
 * element. When the stream ends, the messages it took but did not finish with, and those waiting, are not
 * committed: the consumer is closed and they will be delivered again.
 *
 * @since 0.1.0
 * @category consumer
 */
export const stream = (
  options: PushConsumerStreamOptions
): Stream.Stream<MessageExt, PushConsumerStartError, PushConsumerRequirements> =>
  handOver<MessageExt>((deliver) =>
    make({ ...options, consumeMessageBatchMaxSize: 1, handler: (messages) => deliver(messages[0]!) })
  )

/**
 * Settings of a typed topic's consumer seen as a stream: those of a consumer as a stream, with one subscription's
 * expression and its decode-error policy in place of the subscriptions.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface TypedStreamOptions extends Omit<PushConsumerStreamOptions, "subscriptions"> {
  readonly expression?: string | undefined
  readonly type?: "TAG" | "SQL92" | undefined
  readonly onDecodeError: DecodeErrorPolicy
}

/**
 * A push consumer of a typed topic as a `Stream` of decoded messages (see `PushConsumer.typedStream`): a message that
 * does not decode is sent back for retry or to the DLQ as `onDecodeError` says, or, with `"fail"`, fails the stream
 * with its `MessageDecodeError` (the message not committed: it will be delivered again).
 *
 * @since 0.1.0
 * @category consumer
 */
export const typedStream = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  options: TypedStreamOptions
): Stream.Stream<Decoded<A, T, K, P>, PushConsumerStartError | MessageDecodeError, PushConsumerRequirements> => {
  const { expression, onDecodeError, type, ...rest } = options
  return handOver<Either.Either<Decoded<A, T, K, P>, MessageDecodeError>>((deliver) => {
    const subscription = subscribe(topic, {
      expression,
      type,
      onDecodeError,
      handler: (decoded) => deliver(Either.right(decoded[0]!))
    })
    return make({
      ...rest,
      consumeMessageBatchMaxSize: 1,
      subscriptions: [
        onDecodeError !== "fail" ? subscription : {
          ...subscription,
          // Failing: the stream fails with the error; its message, never consumed, is not committed.
          decodeBatch: (messages, context) => {
            const batch = subscription.decodeBatch(messages, context)
            const failed = batch.undecodable[0]
            return failed === undefined ? batch : { undecodable: [], handle: deliver(Either.left(failed)) }
          }
        }
      ]
    })
  }).pipe(Stream.mapEffect((item) => item))
}

/**
 * Hands what a consumer's handler is given to a stream, one at a time: the handler waits until the stream's
 * consumer has taken the item and asks for the next (then CONSUME_SUCCESS).
 */
const handOver = <X>(
  start: (
    deliver: (item: X) => Effect.Effect<ConsumeResult>
  ) => Effect.Effect<unknown, PushConsumerStartError, Scope.Scope | PushConsumerRequirements>
): Stream.Stream<X, PushConsumerStartError, PushConsumerRequirements> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const handoff = yield* Queue.bounded<{ readonly item: X; readonly consumed: Deferred.Deferred<void> }>(1)
    const waiting = new Set<Deferred.Deferred<void>>()
    yield* start((item) =>
      Effect.flatMap(Deferred.make<void>(), (consumed) =>
        Effect.gen(function*() {
          waiting.add(consumed)
          yield* Queue.offer(handoff, { item, consumed })
          yield* Deferred.await(consumed)
          return "CONSUME_SUCCESS" as const
        }).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(consumed)))))
    )
    // Runs before the consumer's own shutdown: handlers waiting on the stream are let go, uncommitted.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Queue.shutdown(handoff), Effect.forEach(waiting, (d) => Deferred.interrupt(d), { discard: true }))
    )
    let previous: Deferred.Deferred<void> | undefined
    return Stream.repeatEffect(Effect.gen(function*() {
      if (previous !== undefined) yield* Deferred.succeed(previous, undefined)
      const next = yield* Queue.take(handoff)
      previous = next.consumed
      return next.item
    }))
  }))

/**
 * The push consumer service, as `src/index.ts` exports it: the tag of `src/services/PushConsumer.ts` (the same key, so
 * `yield* PushConsumer` and `PushConsumerLive.layer` meet) with `stream`, which the layer builds. It lives here, not in
 * the service file, so that the service does not import its layer (no import circle).
 *
 * @since 0.1.0
 * @category consumer
 */
export class PushConsumer extends PushConsumerTag {
  /**
   * A consumer of the group as a `Stream` of messages, one at a time: a message counts as consumed (its offset may
   * be committed) once the stream's consumer has taken it and asks for the next element. The consumer lives as long
   * as the stream runs; when the stream ends, the last message taken (never followed by a request for the next) and
   * any waiting are not committed and will be delivered again.
   */
  static readonly stream = (
    options: PushConsumerStreamOptions
  ): Stream.Stream<MessageExt, PushConsumerStartError, PushConsumerRequirements> => stream(options)

  /**
   * A consumer of the group subscribed to a typed topic (`Topic.make`), as a `Stream` of decoded messages, one at a
   * time, committed as `stream`'s are. A message that does not decode is sent back for retry or to the DLQ as
   * `onDecodeError` says, or, with `"fail"`, fails the stream with its `MessageDecodeError` (not committed).
   */
  static readonly typedStream = <A, T, K, P>(
    topic: Topic<A, T, K, P>,
    options: TypedStreamOptions
  ): Stream.Stream<Decoded<A, T, K, P>, PushConsumerStartError | MessageDecodeError, PushConsumerRequirements> =>
    typedStream(topic, options)
}
