import { Clock, Duration, Effect, Either, FiberSet, type Scope } from "effect"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import { runHandler } from "./ConsumeConcurrently.js"
import { type ConsumerContext, LOCK_MAX_LIVE_MILLIS } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"
import type { ConsumeService } from "./PullLoop.js"

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
          Effect.zipRight(executor.submit(consumeQueue(held))),
          Effect.interruptible
        )
      ))

    /** What to do after a batch: go on with the next, stop (queue empty or dropped), or pause the queue. */
    const settle = (held: HeldQueue, messages: ReadonlyArray<MessageExt>, result: ConsumeResult) =>
      Effect.gen(function*() {
        const pq = held.processQueue
        if (pq.dropped) return "stop" as const
        let suspend = false
        if (result === "RECONSUME_LATER") {
          // Java: `checkReconsumeTimes`.
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
            pq.makeMessagesToConsumeAgain(again)
            return "suspend" as const
          }
        }
        const offset = pq.commit()
        if (offset >= 0 && !pq.dropped) yield* offsetStore.updateOffset(held.queue, offset, false)
        return "continue" as const
      })

    const consumeQueue = (held: HeldQueue): Effect.Effect<void> =>
      Effect.gen(function*() {
        const pq = held.processQueue
        while (!pq.dropped) {
          const now = yield* Clock.currentTimeMillis
          if (clustering && (!pq.locked || now - pq.lastLockTimestamp > LOCK_MAX_LIVE_MILLIS)) {
            // Java: `tryLockLaterAndReconsume`; the queue stays marked as consuming, so nothing else starts on it.
            return yield* resubmitAfter(
              held,
              RELOCK_DELAY,
              Effect.flatMap(lockQueue(held), (locked) => locked ? Effect.void : Effect.sleep(RELOCK_REFUSED_DELAY))
            )
          }
          const step = yield* held.consumeLock.withPermits(1)(
            Effect.gen(function*() {
              if (pq.dropped) return "stop" as const
              const messages = pq.takeMessages(settings.consumeBatchSize)
              if (messages.length === 0) return "stop" as const
              const result = yield* runHandler(context, held, messages)
              return yield* Effect.uninterruptible(settle(held, messages, result))
            })
          )
          if (step === "stop") return
          if (step === "suspend") return yield* resubmitAfter(held, settings.suspendCurrentQueueTime)
        }
      })

    return {
      submit: (held, _messages, dispatch) => dispatch ? executor.submit(consumeQueue(held)) : Effect.void
    }
  })
