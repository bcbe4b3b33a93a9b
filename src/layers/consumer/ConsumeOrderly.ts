import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import { runHandler } from "./ConsumeHandler.js"
import { type ConsumeOutcome, type ConsumerContext, LOCK_MAX_LIVE_MILLIS } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"
import type { ConsumeService } from "./PullLoop.js"

/** What a batch leads to: the next batch, the end of this run (queue empty or dropped), or a pause of the queue. */
type Step = "continue" | "stop" | "suspend"

/** Java: `tryLockLaterAndReconsume`'s waits: shortly after a lock was taken, longer when it was refused. */
const RELOCK_DELAY = Duration.millis(100)
const RELOCK_REFUSED_DELAY = Duration.seconds(3)

/**
 * Orderly consumption (Java: `ConsumeMessageOrderlyService`): one batch at a time per queue, in offset order, and in
 * clustering only while this client holds the queue's lock on the broker (renewed every 20 s, trusted for 30 s). A
 * batch asking to be consumed later is put back and the queue suspended for `suspendCurrentQueueTime`; a message past
 * its max reconsume times goes to the DLQ (CONSUMER_SEND_MSG_BACK with a negative delay level), and if that fails
 * the queue is suspended instead. Each batch holds the queue's consume lock, so a rebalance can wait for it.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (
  context: ConsumerContext,
  lockQueue: (held: HeldQueue) => Effect.Effect<boolean>
): Effect.Effect<ConsumeService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { api, executor, offsetStore, settings } = context
    const later = yield* FiberSet.make<void, never>()
    const clustering = settings.messageModel === "CLUSTERING"

    const resubmitAfter = (held: HeldQueue, delay: Duration.Duration, before: Effect.Effect<unknown> = Effect.void) =>
      Effect.asVoid(FiberSet.run(
        later,
        Effect.sleep(delay).pipe(
          Effect.zipRight(before),
          Effect.zipRight(executor.submit(() => consumeQueue(held))),
          Effect.interruptible
        )
      ))

    /** What to do after a batch: go on with the next, stop (queue empty or dropped), or pause the queue. */
    const settle = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      result: ConsumeResult
    ): Effect.Effect<Step> => {
      const pq = held.processQueue
      if (pq.dropped) return Effect.succeed("stop")
      return result === "RECONSUME_LATER" ? settleLater(held, messages) : commit(held)
    }

    /** The taken messages are consumed: the offset moves past them. */
    const commit = (held: HeldQueue): Effect.Effect<Step> => {
      const pq = held.processQueue
      const offset = pq.commit()
      return offset >= 0 && !pq.dropped
        ? Effect.as(offsetStore.updateOffset(held.queue, offset, false), "continue")
        : Effect.succeed("continue")
    }

    /** Java: `checkReconsumeTimes`: a message past its max goes to the DLQ; the others are put back for later. */
    const settleLater = (held: HeldQueue, messages: ReadonlyArray<MessageExt>): Effect.Effect<Step> =>
      Effect.gen(function*() {
        let suspend = false
        const again: Array<MessageExt> = []
        for (const message of messages) {
          if (message.reconsumeTimes >= settings.maxReconsumeTimes && clustering) {
            const sent = yield* Effect.either(
              api.sendMessageBack(settings.group, held.queue, message, -1, settings.maxReconsumeTimes)
            )
            if (Either.isLeft(sent)) {
              suspend = true
              again.push({ ...message, reconsumeTimes: message.reconsumeTimes + 1 })
            } else {
              again.push(message)
            }
          } else {
            suspend = true
            again.push({ ...message, reconsumeTimes: message.reconsumeTimes + 1 })
          }
        }
        if (suspend) {
          held.processQueue.makeMessagesToConsumeAgain(again)
          return "suspend" as const
        }
        return yield* commit(held)
      })

    /**
     * Settles what the handler answered. Messages set apart (a typed subscription's that did not decode, for the DLQ)
     * are sent back first, and stay taken, so that the commit passes them; if one cannot be sent back, the whole
     * batch is consumed again later. The others are settled by the result.
     */
    const settleOutcome = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      outcome: ConsumeOutcome
    ): Effect.Effect<Step> =>
      typeof outcome === "string" ? settle(held, messages, outcome) : settleApart(held, messages, outcome)

    /** Settles a typed subscription's outcome: the messages set apart first, then the others by the result. */
    const settleApart = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      outcome: Exclude<ConsumeOutcome, ConsumeResult>
    ): Effect.Effect<Step> =>
      Effect.gen(function*() {
        if (held.processQueue.dropped) return "stop" as const
        for (const { delayLevel, message } of outcome.setApart) {
          if (!clustering) continue // Java: broadcasting has no send-back; the message is dropped.
          const sent = yield* Effect.either(
            api.sendMessageBack(settings.group, held.queue, message, delayLevel, settings.maxReconsumeTimes)
          )
          if (Either.isLeft(sent)) {
            held.processQueue.makeMessagesToConsumeAgain(messages)
            return "suspend" as const
          }
        }
        const apart = new Set(outcome.setApart.map((s) => s.message))
        return yield* settle(held, messages.filter((m) => !apart.has(m)), outcome.result)
      })

    /**
     * One batch of the queue under its consume lock: taken in offset order, handled, settled; `now` (read for the lock
     * check just before) is the batch's start.
     */
    const consumeOne = (held: HeldQueue, now: number): Effect.Effect<Step> =>
      held.consumeLock.withPermits(1)(Effect.suspend(() => {
        const pq = held.processQueue
        if (pq.dropped) return Effect.succeed("stop" as const)
        const messages = pq.takeMessages(settings.consumeBatchSize)
        if (messages.length === 0) return Effect.succeed("stop" as const)
        return Effect.flatMap(
          runHandler(context, held, messages, now),
          // The usual commit is synchronous, then one offset update (parted by an interruption, the offset lags:
          // duplicates, never a loss); what sends messages back runs unparted.
          (outcome) =>
            outcome === "CONSUME_SUCCESS"
              ? settleOutcome(held, messages, outcome)
              : Effect.uninterruptible(settleOutcome(held, messages, outcome))
        )
      }))

    /**
     * The queue's batches one after another in this worker (Java: the orderly `ConsumeRequest.run`), while its lock
     * is held and trusted; a batch to consume later suspends the queue.
     */
    const consumeQueue = (held: HeldQueue): Effect.Effect<void> => {
      const pq = held.processQueue
      const next: Effect.Effect<void> = Effect.suspend(() => {
        if (pq.dropped) return Effect.void
        const now = context.clock.unsafeCurrentTimeMillis()
        if (clustering && (!pq.locked || now - pq.lastLockTimestamp > LOCK_MAX_LIVE_MILLIS)) {
          // Java: `tryLockLaterAndReconsume`; the queue stays marked as consuming, so nothing else starts on it.
          return resubmitAfter(
            held,
            RELOCK_DELAY,
            Effect.flatMap(lockQueue(held), (locked) => locked ? Effect.void : Effect.sleep(RELOCK_REFUSED_DELAY))
          )
        }
        return Effect.flatMap(consumeOne(held, now), (step) =>
          step === "continue"
            ? next
            : step === "suspend"
            ? resubmitAfter(held, settings.suspendCurrentQueueTime)
            : Effect.void)
      })
      return next
    }

    return {
      submit: (held, _messages, dispatch) => dispatch ? executor.submit(() => consumeQueue(held)) : Effect.void
    }
  })
