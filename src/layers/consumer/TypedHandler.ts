import * as Effect from "effect/Effect"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ConsumeContext, ConsumeResult } from "../../services/PushConsumer.js"
import { type DecodedBatch, MessageDecodeError, type TypedSubscription } from "../../services/Topic.js"
import type { ConsumeOutcome } from "./ConsumerContext.js"

/** Delay levels of a send-back: 0 lets the broker pick (the retry topic), -1 is the DLQ at once (Java). */
const RETRY_LEVEL = 0
const DEAD_LETTER_LEVEL = -1

/**
 * The handler of a push consumer of typed subscriptions, in front of theirs: a batch's messages are grouped by topic
 * (a batch of the retry topic mixes topics), each group decoded by its topic's subscription, and what did not decode
 * dealt with by that subscription's policy (`DecodeErrorPolicy`): `"fail"` fails the batch with the error, no
 * handler called; `"retry"` and `"dead-letter"` set the message apart, to be sent back by the consume service with
 * delay level 0 or -1, and the handlers get the rest. Orderly, `"retry"` consumes the whole batch again later
 * (RECONSUME_LATER), since the queue's order may not skip a message.
 *
 * @since 0.1.0
 * @category consumer
 */
export const typedHandler = <E, R>(
  subscriptions: ReadonlyArray<TypedSubscription<E, R>>,
  orderly: boolean
) => {
  const byTopic = new Map(subscriptions.map((s) => [s.topic, s]))
  return (
    messages: ReadonlyArray<MessageExt>,
    context: ConsumeContext
  ): Effect.Effect<ConsumeOutcome, E | MessageDecodeError, R> =>
    Effect.suspend((): Effect.Effect<ConsumeOutcome, E | MessageDecodeError, R> => {
      const groups = new Map<string, Array<MessageExt>>()
      for (const message of messages) {
        const group = groups.get(message.topic)
        if (group === undefined) groups.set(message.topic, [message])
        else group.push(message)
      }
      const runs: Array<DecodedBatch<E, R>["handle"]> = []
      const setApart: Array<{ readonly message: MessageExt; readonly delayLevel: number }> = []
      const reasons: Array<string> = []
      for (const [topic, group] of groups) {
        const subscription = byTopic.get(topic)
        if (subscription === undefined) {
          return Effect.fail(
            new MessageDecodeError({
              topic,
              part: "body",
              reason: "no typed subscription to the topic",
              raw: group[0]!
            })
          )
        }
        const batch = subscription.decodeBatch(group, context)
        const failed = batch.undecodable[0]
        if (failed !== undefined) {
          if (subscription.onDecodeError === "fail") return Effect.fail(failed)
          if (subscription.onDecodeError === "retry" && orderly) return Effect.succeed("RECONSUME_LATER" as const)
          const delayLevel = subscription.onDecodeError === "retry" ? RETRY_LEVEL : DEAD_LETTER_LEVEL
          for (const error of batch.undecodable) {
            setApart.push({ message: error.raw, delayLevel })
            reasons.push(error.message)
          }
        }
        runs.push(batch.handle)
      }
      const handled = runs.length === 1
        ? runs[0]!
        : Effect.map(
          Effect.all(runs),
          (results): ConsumeResult =>
            results.every((r) => r === "CONSUME_SUCCESS") ? "CONSUME_SUCCESS" : "RECONSUME_LATER"
        )
      if (setApart.length === 0) return handled
      return Effect.zipRight(
        Effect.forEach(
          setApart,
          ({ delayLevel, message }, i) =>
            Effect.logWarning(
              delayLevel === DEAD_LETTER_LEVEL
                ? "a message that does not decode goes to the dead-letter topic"
                : "a message that does not decode is sent back for retry"
            ).pipe(
              Effect.annotateLogs({ msgId: message.msgId, reconsumeTimes: message.reconsumeTimes, error: reasons[i] })
            ),
          { discard: true }
        ),
        Effect.map(handled, (result): ConsumeOutcome => ({ result, setApart }))
      )
    })
}
