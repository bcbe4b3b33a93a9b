import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import {
  LitePullConsumer as LitePullConsumerTag,
  type LitePullConsumerOptions,
  type PolledBatch
} from "../services/LitePullConsumer.js"
import { pollStream } from "./litepull/PollStream.js"
import type { LitePullConsumerStartError } from "./LitePullConsumerLive.js"
import { typedPoll, typedStream } from "./LitePullConsumerTyped.js"
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
  pollStream(options, (consumer) => {
    const next: Effect.Effect<PolledBatch> = Effect.flatMap(
      Effect.orDie(consumer.pollBatch()),
      (batch) => batch === undefined ? next : Effect.succeed(batch)
    )
    return Effect.map(next, (batch) => ({ batch, out: batch.messages }))
  })

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
  /**
   * Polls (as `poll`) and decodes the batch with the topic's schemas; a message that does not decode is sent back for
   * retry or to the DLQ as `onDecodeError` says (broadcasting: dropped; the rest handed out), or with `"fail"` fails the poll with its
   * `MessageDecodeError` (the queue seeks back to the batch: nothing of it is committed).
   */
  static readonly typedPoll = typedPoll
  /** As `stream`, each batch decoded by the topic's schemas, a message that does not decode as `typedPoll` does. */
  static readonly typedStream = typedStream
}
