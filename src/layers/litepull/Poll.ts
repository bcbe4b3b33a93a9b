import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { LitePullArgumentError, type PolledBatch } from "../../services/LitePullConsumer.js"
import type { LitePullContext } from "./LitePullContext.js"
import type { LitePullQueues } from "./Queues.js"

/**
 * A lite pull consumer's `poll` (Java: `DefaultLitePullConsumerImpl.poll`): with auto-commit, what earlier polls
 * handed out is committed first once `autoCommitIntervalMillis` has passed since the last commit (so a batch is
 * committed only when the application asks for more after it); then the oldest buffered batch is handed out, waiting
 * up to `timeout` for one. Handing a batch out moves its queue's consume offset to the first offset not handed out.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const makePoll = (context: LitePullContext, queues: LitePullQueues) => {
  const { cache, settings } = context
  let nextAutoCommitDeadline = -1

  /** Java: `maybeAutoCommit`. */
  const maybeAutoCommit = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    if (now < nextAutoCommitDeadline) return Effect.void
    nextAutoCommitDeadline = now + settings.autoCommitIntervalMillis
    return queues.commitAll
  })

  /** The oldest batch not of a dropped queue, handed out now; `undefined` when none is buffered. */
  const handOut = (): PolledBatch | undefined => {
    const request = cache.take()
    if (request === undefined) return undefined
    const nextOffset = request.processQueue.removeMessages(request.messages)
    request.assigned.consumeOffset = nextOffset
    return { queue: request.assigned.queue, messages: request.messages, nextOffset }
  }

  const pollBatch = (
    timeout?: Duration.DurationInput
  ): Effect.Effect<PolledBatch | undefined, LitePullArgumentError> =>
    Effect.gen(function*() {
      if (typeof timeout === "number" && timeout < 0) {
        return yield* new LitePullArgumentError({ reason: "Timeout must not be negative" })
      }
      const millis = timeout === undefined ? settings.pollTimeoutMillis : Duration.toMillis(Duration.decode(timeout))
      if (settings.autoCommit) yield* maybeAutoCommit
      const deadline = (yield* Clock.currentTimeMillis) + millis
      for (;;) {
        const batch = handOut()
        if (batch !== undefined) return batch
        const left = deadline - (yield* Clock.currentTimeMillis)
        if (left <= 0) return undefined
        yield* cache.waitFor(left)
      }
    })

  return {
    pollBatch,
    poll: (timeout?: Duration.DurationInput) => Effect.map(pollBatch(timeout), (batch) => batch?.messages ?? [])
  }
}
