import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { LitePullConsumerOptions, LitePullConsumerService, PolledBatch } from "../../services/LitePullConsumer.js"
import { type LitePullConsumerStartError, make } from "../LitePullConsumerLive.js"
import type { PushConsumerRequirements } from "../PushConsumerLive.js"

/** What committing a batch stores: its queue's next offset. */
type Committable = Pick<PolledBatch, "queue" | "nextOffset">

/**
 * A lite pull consumer (without auto-commit) as a `Stream` of what `take` makes of each batch it polls: a batch is
 * committed once the stream's consumer has taken its element and asks for the next one; the last batch taken when
 * the stream ends is not. A batch whose queue has moved to another consumer meanwhile is not committed either.
 * Shared by `LitePullConsumer.stream` and `LitePullConsumer.typedStream`.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const pollStream = <X, E>(
  options: Omit<LitePullConsumerOptions, "autoCommit">,
  take: (consumer: LitePullConsumerService) => Effect.Effect<{ readonly batch: Committable; readonly out: X }, E>
): Stream.Stream<X, LitePullConsumerStartError | E, PushConsumerRequirements> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const consumer = yield* make({ ...options, autoCommit: false })
    let previous: Committable | undefined
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
      const { batch, out } = yield* take(consumer)
      previous = batch
      return out
    }))
  }))
