import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import type { ConsumeTask } from "./ConsumeExecutor.js"
import { handleBatch } from "./ConsumeHandler.js"
import { type ConsumeOutcome, type ConsumerContext, LOCAL_RETRY_DELAY, queueLogAnnotations } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"
import type { ConsumeService } from "./PullLoop.js"

/** A batch not settled yet: its queue, messages and start. */
interface UnsettledBatch {
  readonly held: HeldQueue
  readonly messages: ReadonlyArray<MessageExt>
  readonly started: number
}

/** The batch a worker runs, if any (`batch` 0: none): its id, queue, messages and start. */
class InFlight {
  batch = 0
  held: HeldQueue | undefined = undefined
  messages: ReadonlyArray<MessageExt> | undefined = undefined
  started = 0
  constructor(readonly fiber: Fiber.RuntimeFiber<unknown, unknown>) {}
  /** Starts a batch (a worker's slot is free when it takes a task: a task that ends unsettled ends its worker). */
  start(batch: number, held: HeldQueue, messages: ReadonlyArray<MessageExt>, started: number): void {
    this.batch = batch
    this.held = held
    this.messages = messages
    this.started = started
  }
  /** Ends the batch; false when it had ended already (the sweep took it). */
  end(batch: number): boolean {
    if (this.batch !== batch) return false
    this.batch = 0
    this.held = undefined
    this.messages = undefined
    return true
  }
}

/**
 * Concurrent consumption (Java: `ConsumeMessageConcurrentlyService`): pulled messages are cut into batches of
 * `consumeMessageBatchMaxSize` and run with the consumer's concurrency. A batch that asks to be consumed later (or
 * fails, or times out) is sent back to the broker, which redelivers it through the group's retry topic after a delay
 * growing with its reconsume times, or moves it to the DLQ past the maximum; a message whose send-back fails is
 * kept and consumed again here, and the offset does not pass it. The offset committed is the process queue's: the
 * smallest offset not yet consumed.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (context: ConsumerContext): Effect.Effect<ConsumeService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { api, executor, offsetStore, settings } = context
    const later = yield* FiberSet.make<void, never>()
    const clustering = settings.messageModel === "CLUSTERING"
    /**
     * The batch each worker runs, by worker: what the consume-timeout sweep looks at (Java: `cleanExpireMsg`). One
     * slot per worker fiber, reused batch after batch (a map entry per batch cost a step of the consume path).
     */
    const inFlight = new Map<Fiber.RuntimeFiber<unknown, unknown>, InFlight>()
    let nextId = 0

    /**
     * Settles a batch the handler answered (Java: `processConsumeResult`): failed messages are sent back (kept and
     * retried here when that fails), the rest leave the process queue and the offset moves up to the smallest left.
     */
    const settle = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      result: ConsumeResult,
      delayLevel: number
    ): Effect.Effect<void> =>
      result === "CONSUME_SUCCESS"
        ? settleConsumed(held, messages)
        : settleFailed(held, messages, delayLevel)

    /**
     * The usual settling: every message consumed, so all leave the process queue and the offset moves up. The
     * messages leave as the batch's continuation runs; the offset's update (one synchronous step) is the step after
     * (were the two parted by an interruption, the offset would lag behind until the queue's next update: duplicates,
     * never a loss).
     */
    const settleConsumed = (held: HeldQueue, messages: ReadonlyArray<MessageExt>): Effect.Effect<void> => {
      const pq = held.processQueue
      if (pq.dropped) return Effect.void
      const offset = pq.removeMessages(messages)
      return offset >= 0 && !pq.dropped ? offsetStore.updateOffset(held.queue, offset, true) : Effect.void
    }

    /** Messages to be consumed later: sent back to the broker, or kept and retried here when that fails. */
    const settleFailed = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      delayLevel: number
    ): Effect.Effect<void> =>
      Effect.uninterruptible(Effect.gen(function*() {
        const pq = held.processQueue
        if (pq.dropped) return
        const retryLocally: Array<MessageExt> = []
        if (clustering) {
          for (const message of messages) {
            const sent = yield* Effect.either(
              api.sendMessageBack(settings.group, held.queue, message, delayLevel, settings.maxReconsumeTimes)
            )
            if (Either.isLeft(sent)) {
              yield* Effect.logWarning("send-back failed; the message is consumed again here").pipe(
                Effect.annotateLogs({
                  ...queueLogAnnotations(settings.group, held.queue),
                  msgId: message.msgId,
                  error: sent.left.message
                })
              )
              retryLocally.push({ ...message, reconsumeTimes: message.reconsumeTimes + 1 })
            }
          }
        } else {
          // Java: broadcasting has no retry; the failed messages are only logged.
          yield* Effect.logWarning("broadcast messages failed and are dropped").pipe(
            Effect.annotateLogs({
              ...queueLogAnnotations(settings.group, held.queue),
              msgIds: messages.map((m) => m.msgId).join(",")
            })
          )
        }
        const kept = new Set(retryLocally.map((m) => m.queueOffset))
        const offset = pq.removeMessages(messages.filter((m) => !kept.has(m.queueOffset)))
        if (offset >= 0 && !pq.dropped) yield* offsetStore.updateOffset(held.queue, offset, true)
        if (retryLocally.length > 0) {
          yield* FiberSet.run(
            later,
            Effect.interruptible(
              Effect.zipRight(Effect.sleep(LOCAL_RETRY_DELAY), executor.submit(consumeBatch(held, retryLocally)))
            )
          )
        }
      }))

    /**
     * Settles what the handler answered: messages set apart (a typed subscription's that did not decode) are sent
     * back with their delay level, then the others settled by the result.
     */
    const settleOutcome = (
      held: HeldQueue,
      messages: ReadonlyArray<MessageExt>,
      outcome: ConsumeOutcome
    ): Effect.Effect<void> => {
      if (typeof outcome === "string") return settle(held, messages, outcome, 0)
      const apart = new Set(outcome.setApart.map((s) => s.message))
      const byLevel = new Map<number, Array<MessageExt>>()
      for (const { delayLevel, message } of outcome.setApart) {
        const level = byLevel.get(delayLevel)
        if (level === undefined) byLevel.set(delayLevel, [message])
        else level.push(message)
      }
      const rest = messages.filter((m) => !apart.has(m))
      return Effect.zipRight(
        Effect.forEach(byLevel, ([level, sent]) => settleFailed(held, sent, level), { discard: true }),
        rest.length === 0 ? Effect.void : settle(held, rest, outcome.result, 0)
      )
    }

    /**
     * One batch in a worker: registered in flight for the consume-timeout sweep, run, settled. A batch left by an
     * interruption (the consumer closing) is let go with the consumer; one left by a handler that interrupted itself
     * ends its worker (another takes its place) and stays in that worker's slot, which the sweep sends back once past
     * the timeout.
     */
    const consumeBatch = (held: HeldQueue, messages: ReadonlyArray<MessageExt>): ConsumeTask => (worker) => {
      if (held.processQueue.dropped) return Effect.void
      let slot = inFlight.get(worker)
      if (slot === undefined) {
        slot = new InFlight(worker)
        inFlight.set(worker, slot)
      }
      const id = ++nextId
      const started = context.clock.unsafeCurrentTimeMillis()
      slot.start(id, held, messages, started)
      const taken = slot
      return handleBatch(
        context,
        held,
        messages,
        started,
        // Not in flight any more: the sweep took the batch past its timeout and settled it already.
        (outcome) => taken.end(id) ? settleOutcome(held, messages, outcome) : Effect.void
      )
    }

    // The consume timeout (Java: `cleanExpireMsg`, every `consumeTimeout`): a batch whose handler runs longer is sent
    // back (delay level 3, as Java) and leaves the process queue; its handler is interrupted. Swept every half the
    // timeout, at least once a minute.
    const timeoutMillis = Duration.toMillis(settings.consumeTimeout)
    const sweepEvery = Duration.millis(Math.min(60_000, Math.max(10, timeoutMillis / 2)))
    const sendBack = (batch: UnsettledBatch, why: string) =>
      Effect.zipRight(
        Effect.logWarning(`${why}; it is sent back`).pipe(
          Effect.annotateLogs({
            ...queueLogAnnotations(settings.group, batch.held.queue),
            msgIds: batch.messages.map((m) => m.msgId).join(",")
          })
        ),
        settle(batch.held, batch.messages, "RECONSUME_LATER", 3)
      )
    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const slot of [...inFlight.values()]) {
        if (slot.batch === 0) {
          // A worker that ended (the concurrency lowered, or interrupted) leaves its slot.
          if (slot.fiber.unsafePoll() !== null) inFlight.delete(slot.fiber)
          continue
        }
        if (now - slot.started < timeoutMillis) continue
        const batch: UnsettledBatch = { held: slot.held!, messages: slot.messages!, started: slot.started }
        slot.end(slot.batch)
        // The interruption reaches the batch's fiber at once (not from a forked fiber later), so that it stops this
        // batch and never the next task the same worker takes.
        yield* Effect.withFiberRuntime<void>((sweeper) =>
          Effect.sync(() => slot.fiber.unsafeInterruptAsFork(sweeper.id()))
        )
        yield* sendBack(
          batch,
          slot.fiber.unsafePoll() === null
            ? "a batch ran past the consume timeout"
            : "a batch was left unsettled past the consume timeout"
        )
      }
    })
    yield* sweep.pipe(
      Effect.repeat(Schedule.spaced(sweepEvery)),
      Effect.delay(sweepEvery),
      Effect.interruptible,
      Effect.forkScoped
    )

    return {
      submit: (held, messages) =>
        Effect.suspend(() => {
          const size = settings.consumeBatchSize
          const tasks: Array<ConsumeTask> = []
          for (let i = 0; i < messages.length; i += size) {
            tasks.push(consumeBatch(held, size === 1 ? [messages[i]!] : messages.slice(i, i + size)))
          }
          return executor.submitAll(tasks)
        })
    }
  })
