import { Deferred, Effect, Queue, Stream } from "effect"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { PushConsumer as PushConsumerTag, type PushConsumerOptions } from "../services/PushConsumer.js"
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
  Stream.unwrapScoped(Effect.gen(function*() {
    const handoff = yield* Queue.bounded<{ readonly message: MessageExt; readonly consumed: Deferred.Deferred<void> }>(
      1
    )
    const waiting = new Set<Deferred.Deferred<void>>()
    yield* make({
      ...options,
      consumeMessageBatchMaxSize: 1,
      handler: (messages) =>
        Effect.flatMap(Deferred.make<void>(), (consumed) =>
          Effect.gen(function*() {
            waiting.add(consumed)
            yield* Queue.offer(handoff, { message: messages[0]!, consumed })
            yield* Deferred.await(consumed)
            return "CONSUME_SUCCESS" as const
          }).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(consumed)))))
    })
    // Runs before the consumer's own shutdown: handlers waiting on the stream are let go, uncommitted.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Queue.shutdown(handoff), Effect.forEach(waiting, (d) => Deferred.interrupt(d), { discard: true }))
    )
    let previous: Deferred.Deferred<void> | undefined
    return Stream.repeatEffect(Effect.gen(function*() {
      if (previous !== undefined) yield* Deferred.succeed(previous, undefined)
      const next = yield* Queue.take(handoff)
      previous = next.consumed
      return next.message
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
}
