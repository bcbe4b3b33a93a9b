import { Effect, Stream } from "effect"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import {
  LitePullConsumer as LitePullConsumerTag,
  type LitePullConsumerOptions,
  type PolledBatch
} from "../services/LitePullConsumer.js"
import { type LitePullConsumerStartError, make } from "./LitePullConsumerLive.js"
import type { PushConsumerRequirements } from "./PushConsumerLive.js"

/**
 * Settings of a lite pull consumer seen as a stream: those of a lite pull consumer but `autoCommit` (the stream
 * commits each batch itself).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export type LitePullConsumerStreamOptions = Omit<LitePullConsumerOptions, "autoCommit">

/**
 * A lite pull consumer as a `Stream` of batches (see `LitePullConsumer.stream`): each element is what one `poll`
 * handed out (at most `pullBatchSize` messages of one queue, in offset order; empty polls are not emitted). A batch
 * is committed once the stream's consumer has taken it and asks for the next element; the last batch taken when the
 * stream ends is not, and will be delivered again. A batch whose queue has moved to another consumer meanwhile is not
 * committed either (that consumer reads it again).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const stream = (
  options: LitePullConsumerStreamOptions
): Stream.Stream<ReadonlyArray<MessageExt>, LitePullConsumerStartError, PushConsumerRequirements> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const consumer = yield* make({ ...options, autoCommit: false })
    let previous: PolledBatch | undefined
    const next: Effect.Effect<PolledBatch> = Effect.flatMap(
      Effect.orDie(consumer.pollBatch()),
      (batch) => batch === undefined ? next : Effect.succeed(batch)
    )
    return Stream.repeatEffect(Effect.gen(function*() {
      if (previous !== undefined) {
        yield* Effect.catchAll(
          consumer.commit([[previous.queue, previous.nextOffset]], false),
          (e) =>
            e._tag === "QueueNotAssignedError"
              ? Effect.void
              : Effect.logWarning("committing a batch failed").pipe(Effect.annotateLogs({ error: e.message }))
        )
      }
      previous = yield* next
      return previous.messages
    }))
  }))

/**
 * The lite pull consumer service, as `src/index.ts` exports it: the tag of `src/services/LitePullConsumer.ts` (the
 * same key, so `yield* LitePullConsumer` and `LitePullConsumerLive.layer` meet) with `stream`, which the layer builds.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export class LitePullConsumer extends LitePullConsumerTag {
  /**
   * A lite pull consumer as a `Stream` of batches: a batch is committed once the stream's consumer has taken it and
   * asks for the next one; when the stream ends, the last batch taken is not committed and will be delivered again.
   */
  static readonly stream = (
    options: LitePullConsumerStreamOptions
  ): Stream.Stream<ReadonlyArray<MessageExt>, LitePullConsumerStartError, PushConsumerRequirements> => stream(options)
}
