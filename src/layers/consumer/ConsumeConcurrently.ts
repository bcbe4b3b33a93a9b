import { Cause, Clock, Effect, Either, Exit, FiberSet, Metric, type Scope } from "effect"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { ConsumeResult } from "../../services/PushConsumer.js"
import { tagged } from "./ConsumerContext.js"
import { type ConsumerContext, type HeldQueue, LOCAL_RETRY_DELAY } from "./ConsumerContext.js"
import type { ConsumeService } from "./PullService.js"

/** Messages consumed by push consumers, by result (tag `result`). */
const consumedMessages = Metric.counter("rocketmq_consumer_consumed_messages_total", {
  description: "Messages handled by push consumers"
})
const consumedOk = tagged(consumedMessages, "result", "CONSUME_SUCCESS")
const consumedLater = tagged(consumedMessages, "result", "RECONSUME_LATER")

/**
 * Runs the handler on a batch with the consume timeout (Java: `ConsumeRequest.run`): a failure, a defect or the
 * timeout count as RECONSUME_LATER; an interruption (the consumer closing past its deadline) stays an interruption,
 * so nothing of the batch is committed. Each batch is a span when a tracer is installed.
 *
 * @since 0.1.0
 * @category consumer
 */
export const runHandler = (
  context: ConsumerContext,
  held: HeldQueue,
  messages: ReadonlyArray<MessageExt>
): Effect.Effect<ConsumeResult> => {
  const run = Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    const stamped = messages.map((m) => ({
      ...m,
      properties: { ...m.properties, [MessageConst.CONSUME_START_TIME]: String(started) }
    }))
    const exit = yield* context.handler(stamped, { queue: held.queue }).pipe(
      Effect.timeoutFail({
        duration: context.settings.consumeTimeout,
        onTimeout: () => "consume timeout" as const
      }),
      Effect.exit
    )
    if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    const result: ConsumeResult = Exit.isSuccess(exit) ? exit.value : "RECONSUME_LATER"
    if (Exit.isFailure(exit)) {
      yield* Effect.logWarning("the handler failed; the messages will be consumed again", exit.cause)
    }
    const ended = yield* Clock.currentTimeMillis
    const ok = result === "CONSUME_SUCCESS" ? messages.length : 0
    context.stats.consumed(held.queue.topic, ok, messages.length - ok, ended - started)
    yield* Metric.incrementBy(result === "CONSUME_SUCCESS" ? consumedOk : consumedLater, messages.length)
    held.processQueue.lastConsumeTimestamp = ended
    return result
  })
  return context.tracing
    ? run.pipe(Effect.withSpan("PushConsumer.consume", {
      kind: "consumer",
      captureStackTrace: false,
      attributes: {
        "rocketmq.group": context.settings.group,
        "rocketmq.topic": held.queue.topic,
        "rocketmq.broker": held.queue.brokerName,
        "rocketmq.queue": held.queue.queueId,
        "rocketmq.messages": messages.length
      }
    }))
    : run
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

    const consumeBatch = (held: HeldQueue, messages: ReadonlyArray<MessageExt>): Effect.Effect<void> =>
      Effect.gen(function*() {
        const pq = held.processQueue
        if (pq.dropped) return
        const result = yield* runHandler(context, held, messages)
        // What follows is one step: once the handler has answered, its batch is settled whole or not at all.
        yield* Effect.uninterruptible(Effect.gen(function*() {
          if (pq.dropped) return
          const retryLocally: Array<MessageExt> = []
          if (result === "RECONSUME_LATER") {
            if (clustering) {
              for (const message of messages) {
                const sent = yield* Effect.either(
                  api.sendMessageBack(settings.group, held.queue, message, 0, settings.maxReconsumeTimes)
                )
                if (Either.isLeft(sent)) {
                  yield* Effect.logWarning("send-back failed; the message is consumed again here").pipe(
                    Effect.annotateLogs({ msgId: message.msgId, error: sent.left.message })
                  )
                  retryLocally.push({ ...message, reconsumeTimes: message.reconsumeTimes + 1 })
                }
              }
            } else {
              // Java: broadcasting has no retry; the failed messages are only logged.
              yield* Effect.logWarning("broadcast messages failed and are dropped").pipe(
                Effect.annotateLogs({ msgIds: messages.map((m) => m.msgId).join(",") })
              )
            }
          }
          const kept = new Set(retryLocally.map((m) => m.queueOffset))
          const offset = pq.removeMessages(messages.filter((m) => !kept.has(m.queueOffset)))
          if (offset >= 0 && !pq.dropped) yield* offsetStore.updateOffset(held.queue, offset, true)
          if (retryLocally.length > 0) {
            yield* FiberSet.run(
              later,
              Effect.zipRight(Effect.sleep(LOCAL_RETRY_DELAY), executor.submit(consumeBatch(held, retryLocally)))
            )
          }
        }))
      })

    return {
      submit: (held, messages) =>
        Effect.suspend(() => {
          const batches: Array<ReadonlyArray<MessageExt>> = []
          for (let i = 0; i < messages.length; i += settings.consumeBatchSize) {
            batches.push(messages.slice(i, i + settings.consumeBatchSize))
          }
          return Effect.forEach(batches, (batch) => executor.submit(consumeBatch(held, batch)), { discard: true })
        })
    }
  })
