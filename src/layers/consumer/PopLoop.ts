import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Metric from "effect/Metric"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { withoutNamespace } from "../../services/Namespace.js"
import type { ConsumeTask } from "./ConsumeExecutor.js"
import { runHandler } from "./ConsumeHandler.js"
import { type ConsumerContext, FLOW_CONTROL_DELAY, passesTagFilter, queueLogAnnotations } from "./ConsumerContext.js"
import type { HeldQueue } from "./ProcessQueueTable.js"

/**
 * The invisible times, in seconds, a failed popped message is given by its reconsume times (Java 5.x:
 * `DefaultMQPushConsumerImpl.popDelayLevel`): 10 s for the first failure up to 2 h.
 *
 * @since 0.1.0
 * @category consumer
 */
export const POP_DELAY_LEVELS: ReadonlyArray<number> = [
  10,
  30,
  60,
  120,
  180,
  240,
  300,
  360,
  420,
  480,
  540,
  600,
  1200,
  1800,
  3600,
  7200
]

/** Java: `PULL_TIME_DELAY_MILLS_WHEN_BROKER_FLOW_CONTROL`, 20 ms. */
const BROKER_FLOW_CONTROL_DELAY = Duration.millis(20)
/** Java: a long-polling pop's call timeout is its poll time plus 10 s. */
const POP_CALL_MARGIN_MILLIS = 10_000

/**
 * What becomes of a popped message that failed (Java 5.x: `ConsumeMessagePopConcurrentlyService.processConsumeResult`,
 * `checkNeedAckOrDelay`, `changePopInvisibleTime`): below `maxReconsumeTimes`, it is invisible for the ladder's step
 * of its reconsume times; past it, a message older than twice the last step (by `ageMillis`, from its birth) is
 * acked and so dropped, a younger one is made invisible for the first step longer than its age.
 *
 * @since 0.1.0
 * @category consumer
 */
export const popRetry = (
  reconsumeTimes: number,
  maxReconsumeTimes: number,
  ageMillis: number
): { readonly kind: "ack" } | { readonly kind: "invisible"; readonly millis: number } => {
  const levels = POP_DELAY_LEVELS
  const last = levels.length - 1
  const step = (level: number) => ({ kind: "invisible" as const, millis: levels[Math.min(level, last)]! * 1000 })
  if (reconsumeTimes < maxReconsumeTimes) return step(reconsumeTimes)
  if (ageMillis > levels[last]! * 1000 * 2) return { kind: "ack" }
  let level = last
  for (; level >= 0; level--) {
    if (ageMillis >= levels[level]! * 1000) {
      level++
      break
    }
  }
  // Java: a message younger than the first step ends the loop at -1, and a level of 0 means "by reconsume times".
  return step(level <= 0 ? reconsumeTimes : level)
}

/** Messages popped by push consumers (after the client-side tag filter). */
const poppedMessages = Metric.counter("rocketmq_consumer_popped_messages_total", {
  description: "Messages popped by push consumers (RocketMQ 5.x)"
})

/**
 * The pop consume service (Java 5.x: `ConsumeMessagePopConcurrentlyService`): popped messages run through the
 * consumer's executor and handler as pulled ones do, in batches of `consumeMessageBatchMaxSize`; a consumed message is
 * acked (ACK_MESSAGE), a failed one made invisible along `popRetry`'s ladder (CHANGE_MESSAGE_INVISIBLETIME), after
 * which the broker delivers it again through the pop retry topic. Nothing is committed as an offset: an interrupted
 * handler's message comes back once its invisible time ends.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makePopConsume = (context: ConsumerContext) => {
  const { api, executor, settings } = context

  const settleOne = (held: HeldQueue, message: MessageExt, consumed: boolean) =>
    Effect.gen(function*() {
      if (consumed) return yield* api.ack(settings.group, held.queue.topic, message)
      const age = context.clock.unsafeCurrentTimeMillis() - message.bornTimestamp
      const next = popRetry(message.reconsumeTimes, settings.maxReconsumeTimes, age)
      if (next.kind === "ack") {
        yield* Effect.logWarning("consumed too many times; the message is acked and dropped").pipe(
          Effect.annotateLogs({ msgId: message.msgId })
        )
        return yield* api.ack(settings.group, held.queue.topic, message)
      }
      yield* api.changeInvisibleTime(settings.group, held.queue.topic, message, next.millis)
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(consumed ? "ack failed" : "changing the invisible time failed").pipe(
          Effect.annotateLogs({ msgId: message.msgId, error: error.message })
        )
      )
    )

  /** One batch in a worker: run, then each message acked or made invisible; it then no longer waits for its ack. */
  const consumeBatch = (held: HeldQueue, messages: ReadonlyArray<MessageExt>, waiting: { count: number }) =>
    Effect.flatMap(
      runHandler(context, held, messages),
      (result) =>
        Effect.forEach(messages, (m) => settleOne(held, m, result === "CONSUME_SUCCESS"), {
          concurrency: "unbounded",
          discard: true
        })
    ).pipe(
      Effect.ensuring(Effect.sync(() => void (waiting.count -= messages.length))),
      Effect.annotateLogs(queueLogAnnotations(settings.group, held.queue))
    )

  const submit = (held: HeldQueue, messages: ReadonlyArray<MessageExt>, waiting: { count: number }) =>
    Effect.suspend(() => {
      waiting.count += messages.length
      const size = settings.consumeBatchSize
      const tasks: Array<ConsumeTask> = []
      for (let i = 0; i < messages.length; i += size) {
        const batch = messages.slice(i, i + size)
        tasks.push(() => consumeBatch(held, batch, waiting))
      }
      return executor.submitAll(tasks)
    })

  return { submit, settleOne }
}

/**
 * The pop consume service of a consumer.
 *
 * @since 0.1.0
 * @category consumer
 */
export type PopConsume = ReturnType<typeof makePopConsume>

/**
 * The pop loop of one assigned queue (Java 5.x: `DefaultMQPushConsumerImpl.popMessage` for a `PopRequest`; queue id -1
 * pops every queue of its broker): long-polling POP_MESSAGEs of `popBatchNums` messages, invisible for
 * `popInvisibleTime`, while fewer than `popThresholdForQueue` wait for their ack; a message the client-side tag
 * filter drops is acked at once. POLLING_FULL and failures wait `pullDelayWhenException` (FLOW_CONTROL 20 ms). It ends
 * when its queue is dropped.
 *
 * @since 0.1.0
 * @category consumer
 */
export const popLoop = (context: ConsumerContext, consume: PopConsume, held: HeldQueue): Effect.Effect<void> => {
  const { api, settings, stats } = context
  const pq = held.processQueue
  const { queue } = held
  const waiting = { count: 0 }
  const initMode = settings.consumeFromWhere === "CONSUME_FROM_FIRST_OFFSET" ? 0 : 1

  const once: Effect.Effect<void> = Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    pq.pulledAt(started)
    if (waiting.count > settings.popThresholdForQueue) return yield* Effect.sleep(FLOW_CONTROL_DELAY)
    const subscription = context.subscriptions.get(queue.topic)
    if (subscription === undefined) return yield* Effect.sleep(settings.pullDelayWhenException)
    const result = yield* Effect.either(api.pop(
      queue,
      {
        consumerGroup: settings.group,
        maxMsgNums: settings.popBatchNums,
        invisibleTime: settings.popInvisibleTimeMillis,
        pollTime: settings.brokerSuspendMaxMillis,
        initMode,
        expType: subscription.expressionType,
        exp: subscription.subString,
        order: false
      },
      started,
      Duration.millis(settings.brokerSuspendMaxMillis + POP_CALL_MARGIN_MILLIS)
    ))
    if (Either.isLeft(result)) {
      if (pq.dropped) return
      const error = result.left
      yield* Effect.logWarning("pop failed; trying again later").pipe(Effect.annotateLogs({ error: error.message }))
      const flowControl = error._tag === "BrokerResponseError" && error.responseCode === ResponseCode.FLOW_CONTROL
      return yield* Effect.sleep(flowControl ? BROKER_FLOW_CONTROL_DELAY : settings.pullDelayWhenException)
    }
    const popped = result.right
    stats.pulled(queue.topic, (yield* Clock.currentTimeMillis) - started)
    if (popped.status === "POLLING_FULL") return yield* Effect.sleep(settings.pullDelayWhenException)
    if (popped.status !== "FOUND") return
    const messages: Array<MessageExt> = []
    for (const m of popped.messages) {
      if (passesTagFilter(subscription, m)) {
        messages.push(settings.namespace ? { ...m, topic: withoutNamespace(m.topic) } : m)
      } else {
        yield* consume.settleOne(held, m, true)
      }
    }
    if (messages.length === 0 || pq.dropped) return
    yield* Metric.incrementBy(poppedMessages, messages.length)
    yield* consume.submit(held, messages, waiting)
    if (settings.pullIntervalMillis > 0) yield* Effect.sleep(Duration.millis(settings.pullIntervalMillis))
  })

  return Effect.whileLoop({ while: () => !pq.dropped, body: () => once, step: () => {} }).pipe(
    Effect.annotateLogs(queueLogAnnotations(settings.group, queue))
  )
}
