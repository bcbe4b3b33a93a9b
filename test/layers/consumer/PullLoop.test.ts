import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, FastCheck as fc, Fiber, TestClock } from "effect"
import type { ConsumerContext } from "../../../src/layers/consumer/ConsumerContext.js"
import { resolveSettings } from "../../../src/layers/consumer/ConsumerContext.js"
import { type HeldQueue, ProcessQueueTable } from "../../../src/layers/consumer/ProcessQueueTable.js"
import { type ConsumeService, overLimit, pullLoop } from "../../../src/layers/consumer/PullLoop.js"
import { PullSysFlag } from "../../../src/protocol/headers/ConsumeHeaders.js"
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../../src/protocol/MessageConst.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import { messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import { ProcessQueue } from "../../../src/services/ProcessQueue.js"
import type { PushConsumerOptions } from "../../../src/services/PushConsumer.js"
import {
  type ConsumerParts,
  found,
  holdQueue,
  makeConsumerParts,
  message,
  mq,
  noMessage,
  timedOut
} from "../../support/ConsumerParts.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../../support/Eventually.js"

const MiB = 1024 * 1024

/** A consume service that only records what the pull loop hands it. */
const recordingConsume = () => {
  const submitted: Array<{ readonly messages: ReadonlyArray<MessageExt>; readonly dispatch: boolean }> = []
  const service: ConsumeService = {
    submit: (_held, messages, dispatch) => Effect.sync(() => void submitted.push({ messages, dispatch }))
  }
  return { service, submitted, offsets: () => submitted.map((s) => s.messages.map((m) => m.queueOffset)) }
}

/** A consumer holding queue 0 of `T`, with its pull loop started at `startOffset` (after `before` ran). */
const pulling = (
  startOffset: number,
  consumer: Partial<PushConsumerOptions<unknown, never>> = {},
  before: (parts: ConsumerParts & { readonly held: HeldQueue }) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function*() {
    const parts = yield* makeConsumerParts({ consumer })
    const held = yield* holdQueue(parts.context, mq(0))
    const consume = recordingConsume()
    yield* before({ ...parts, held })
    const loop = yield* Effect.forkScoped(pullLoop(parts.context, consume.service, held, startOffset))
    return { ...parts, held, consume, loop, pq: held.processQueue, queue: held.queue }
  })

const pullsReach = (parts: ConsumerParts, n: number) =>
  eventually(() => parts.broker.pulls.length === n, { what: `${n} pulls asked of the broker` })

const committed = (context: ConsumerContext) => context.offsetStore.readOffset(mq(0), "READ_FROM_MEMORY")

describe("flow control (overLimit)", () => {
  /** A context whose settings come from `options`, holding `queues` queues of `T` (and one of another topic). */
  const contextWith = (
    base: ConsumerContext,
    options: Partial<PushConsumerOptions<unknown, never>>,
    queues: number
  ) => {
    const processQueues = new ProcessQueueTable()
    const heldOf = (topic: string, queueId: number): HeldQueue => ({
      key: messageQueueKey(mq(queueId, topic)),
      queue: mq(queueId, topic),
      processQueue: new ProcessQueue(),
      consumeLock: Effect.unsafeMakeSemaphore(1)
    })
    for (let i = 0; i < queues; i++) processQueues.add(heldOf("T", i))
    processQueues.add(heldOf("Other", 0))
    const settings = resolveSettings(
      { group: "G", subscriptions: [], handler: base.handler, ...options },
      base.instance,
      0
    )
    return { context: { ...base, settings, processQueues }, held: processQueues.all()[0]! }
  }
  /** Caches `count` messages spanning `span` offsets with `bytes` of bodies in all (views of one shared buffer). */
  const shared = new ArrayBuffer(8 * MiB)
  const cache = (pq: ProcessQueue, count: number, span: number, bytes: number) => {
    const offsets = count === 0
      ? []
      : count === 1
      ? [0]
      : [0, ...Array.from({ length: count - 2 }, (_, i) => i + 1), span]
    pq.putMessages(offsets.map((offset, i) => ({
      ...message(mq(0), offset),
      body: new Uint8Array(shared, 0, Math.floor(bytes / count) + (i < bytes % count ? 1 : 0))
    })))
  }

  it.scoped("a queue's cache over its message count, its size or (concurrently) its span puts pulls off", () =>
    Effect.gen(function*() {
      const { context: base } = yield* makeConsumerParts()
      const defaults = contextWith(base, {}, 1)
      cache(defaults.held.processQueue, 1000, 1999, 100 * MiB - 1)
      expect(overLimit(defaults.context, defaults.held)).toBeUndefined()
      defaults.held.processQueue.putMessages([message(mq(0), 1500)])
      expect(overLimit(defaults.context, defaults.held)).toBe("count")

      const size = contextWith(base, { pullThresholdSizeForQueue: 1 }, 1)
      cache(size.held.processQueue, 2, 1, MiB + 1)
      expect(overLimit(size.context, size.held)).toBe("size")

      const span = contextWith(base, { consumeConcurrentlyMaxSpan: 10 }, 1)
      cache(span.held.processQueue, 2, 11, 0)
      expect(overLimit(span.context, span.held)).toBe("span")
      const orderly = contextWith(base, { consumeConcurrentlyMaxSpan: 10, orderly: true }, 1)
      cache(orderly.held.processQueue, 2, 11, 0)
      expect(overLimit(orderly.context, orderly.held)).toBeUndefined()
    }))

  it.scoped("a per-topic limit is shared among the topic's queues held: 100 messages over 4 queues is 25 each", () =>
    Effect.gen(function*() {
      const { context: base } = yield* makeConsumerParts()
      const four = contextWith(base, { pullThresholdForTopic: 100 }, 4)
      cache(four.held.processQueue, 25, 24, 0)
      expect(overLimit(four.context, four.held)).toBeUndefined()
      four.held.processQueue.putMessages([message(mq(0), 25)])
      expect(overLimit(four.context, four.held)).toBe("count")
      // With one queue held it may cache the topic's whole limit.
      const one = contextWith(base, { pullThresholdForTopic: 100 }, 1)
      cache(one.held.processQueue, 100, 99, 0)
      expect(overLimit(one.context, one.held)).toBeUndefined()
      // 10 MiB over 4 queues: 2 MiB each.
      const sized = contextWith(base, { pullThresholdSizeForTopic: 10 }, 4)
      cache(sized.held.processQueue, 1, 0, 2 * MiB)
      expect(overLimit(sized.context, sized.held)).toBeUndefined()
      sized.held.processQueue.putMessages([{ ...message(mq(0), 1), body: new Uint8Array(shared, 0, 1) }])
      expect(overLimit(sized.context, sized.held)).toBe("size")
    }))

  it.scoped("property: over a limit exactly when the cache is over it, the per-topic limits divided among the queues", () =>
    Effect.gen(function*() {
      const { context: base } = yield* makeConsumerParts()
      const limits = fc.record({
        orderly: fc.boolean(),
        pullThresholdForQueue: fc.integer({ min: 1, max: 40 }),
        pullThresholdSizeForQueue: fc.integer({ min: 1, max: 4 }),
        pullThresholdForTopic: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 120 })),
        pullThresholdSizeForTopic: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 16 })),
        consumeConcurrentlyMaxSpan: fc.integer({ min: 1, max: 80 })
      })
      const cached = fc.record({
        queues: fc.integer({ min: 1, max: 8 }),
        count: fc.integer({ min: 0, max: 60 }),
        extraSpan: fc.integer({ min: 0, max: 60 }),
        bytes: fc.integer({ min: 0, max: 6 * MiB })
      })
      fc.assert(fc.property(limits, cached, (options, c) => {
        const { context, held } = contextWith(base, options, c.queues)
        const span = c.count < 2 ? 0 : c.count - 1 + c.extraSpan
        cache(held.processQueue, c.count, span, c.count === 0 ? 0 : c.bytes)
        const bytes = held.processQueue.bodyBytes
        const maxCount = options.pullThresholdForTopic > 0
          ? Math.max(1, Math.floor(options.pullThresholdForTopic / c.queues))
          : options.pullThresholdForQueue
        const maxMiB = options.pullThresholdSizeForTopic > 0
          ? Math.max(1, Math.floor(options.pullThresholdSizeForTopic / c.queues))
          : options.pullThresholdSizeForQueue
        const overCount = c.count > maxCount
        const overSize = bytes > maxMiB * MiB
        const overSpan = !options.orderly && span > options.consumeConcurrentlyMaxSpan
        const said = overLimit(context, held)
        // Never over a limit it is not over...
        if (said === "count") expect(overCount).toBe(true)
        if (said === "size") expect(overSize).toBe(true)
        if (said === "span") expect(overSpan).toBe(true)
        // ...and always over one when it is.
        expect(said !== undefined).toBe(overCount || overSize || overSpan)
      }))
    }))
})

describe("the pull loop", () => {
  it.scoped("messages found are cached and handed to the consume service; the next pull starts after them", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        5,
        {},
        ({ broker }) =>
          Effect.sync(() => broker.pullScript.push(Effect.succeed(found([message(mq(0), 5), message(mq(0), 6)]))))
      )
      yield* pullsReach(parts, 2)
      expect(parts.broker.pulls.map((p) => p.queueOffset)).toEqual([5, 7])
      expect(parts.consume.offsets()).toEqual([[5, 6]])
      expect(parts.consume.submitted[0]!.dispatch).toBe(true)
      expect(parts.pq.messages().map((m) => m.queueOffset)).toEqual([5, 6])
      // Each message handed over says where its queue's offsets are.
      expect(parts.consume.submitted[0]!.messages[0]!.properties[MessageConst.MAX_OFFSET]).toBe("1000")
      expect(parts.consume.submitted[0]!.messages[0]!.properties[MessageConst.MIN_OFFSET]).toBe("0")
    }))

  it.scoped("a pull carries the offset consumed so far for the broker to store, with the commit-offset flag", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        0,
        {},
        ({ broker }) => Effect.sync(() => broker.pullScript.push(Effect.succeed(found([message(mq(0), 0)]))))
      )
      yield* pullsReach(parts, 2)
      // Nothing consumed yet: no commit offset.
      expect(parts.broker.pulls[0]!.commitOffset).toBe(0)
      expect(parts.broker.pulls[0]!.sysFlag & PullSysFlag.COMMIT_OFFSET).toBe(0)
      expect(parts.broker.pulls[0]!.sysFlag & PullSysFlag.SUSPEND).not.toBe(0)

      const second = yield* pulling(10, {}, ({ context }) => context.offsetStore.updateOffset(mq(0), 7, true))
      yield* pullsReach(second, 1)
      expect(second.broker.pulls[0]!.commitOffset).toBe(7)
      expect(second.broker.pulls[0]!.sysFlag & PullSysFlag.COMMIT_OFFSET).toBe(PullSysFlag.COMMIT_OFFSET)
    }))

  it.scoped("NO_NEW_MSG with nothing cached moves the next pull and the stored offset to the broker's next offset", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        5,
        {},
        ({ broker }) => Effect.sync(() => broker.pullScript.push(Effect.succeed(noMessage("NO_NEW_MSG", 9))))
      )
      yield* pullsReach(parts, 2)
      expect(parts.broker.pulls.map((p) => p.queueOffset)).toEqual([5, 9])
      expect(yield* committed(parts.context)).toBe(9)
      expect(parts.consume.submitted).toEqual([])
    }))

  it.scoped("NO_MATCHED_MSG with messages still cached moves the next pull but leaves the stored offset", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(5, {}, ({ broker, context, held }) =>
        Effect.gen(function*() {
          held.processQueue.putMessages([message(mq(0), 4)])
          yield* context.offsetStore.updateOffset(mq(0), 4, true)
          broker.pullScript.push(Effect.succeed(noMessage("NO_MATCHED_MSG", 12)))
        }))
      yield* pullsReach(parts, 2)
      expect(parts.broker.pulls.map((p) => p.queueOffset)).toEqual([5, 12])
      expect(yield* committed(parts.context)).toBe(4)
    }))

  it.scoped("OFFSET_ILLEGAL drops the queue; 10 s later the corrected offset is stored, persisted and the queue let go", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        5,
        {},
        ({ broker }) => Effect.sync(() => broker.pullScript.push(Effect.succeed(noMessage("OFFSET_ILLEGAL", 20))))
      )
      yield* eventually(() => parts.pq.dropped, { what: "the queue dropped" })
      yield* eventually(Effect.map(sleepsEndingIn(10_000), (n) => n === 1), { what: "the 10 s wait" })
      expect(parts.context.processQueues.has(mq(0))).toBe(true)
      yield* TestClock.adjust("9999 millis")
      yield* fibersSettle()
      expect(parts.broker.offsetUpdates).toEqual([])
      expect(parts.context.processQueues.has(mq(0))).toBe(true)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(parts.loop)
      expect(yield* committed(parts.context)).toBe(20)
      expect(parts.broker.lastUpdate(mq(0))).toBe(20)
      expect(parts.context.processQueues.has(mq(0))).toBe(false)
      expect(parts.broker.pulls).toHaveLength(1)
    }))

  it.scoped("a failed pull is tried again from the same offset after pullTimeDelayMillisWhenException (1 s)", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        5,
        {},
        ({ broker }) => Effect.sync(() => broker.pullScript.push(Effect.fail(timedOut())))
      )
      yield* eventually(Effect.map(sleepsEndingIn(1000), (n) => n === 1), { what: "the wait after the failed pull" })
      yield* TestClock.adjust("999 millis")
      yield* fibersSettle()
      expect(parts.broker.pulls).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* pullsReach(parts, 2)
      expect(parts.broker.pulls.map((p) => p.queueOffset)).toEqual([5, 5])
    }))

  it.scoped("an orderly clustering queue is not pulled while its broker lock is not held", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(0, { orderly: true })
      yield* eventually(Effect.map(sleepsEndingIn(1000), (n) => n === 1), { what: "the wait for the lock" })
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("1 second")
        yield* eventually(Effect.map(sleepsEndingIn(1000), (n) => n === 1), { what: "the next wait for the lock" })
      }
      expect(parts.broker.pulls).toEqual([])
      parts.pq.setLocked(true, 3000)
      yield* TestClock.adjust("1 second")
      yield* pullsReach(parts, 1)

      // A broadcasting orderly consumer takes no lock: it pulls at once.
      const broadcasting = yield* pulling(0, { orderly: true, messageModel: "BROADCASTING" })
      yield* pullsReach(broadcasting, 1)
    }))

  it.scoped("the client-side tag filter drops messages whose tag only shares a hash with the subscribed one", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(
        5,
        { subscriptions: [{ topic: "T", expression: "TagA" }] },
        ({ broker }) =>
          Effect.sync(() =>
            broker.pullScript.push(Effect.succeed(found([
              message(mq(0), 5, { tags: "TagA" }),
              message(mq(0), 6, { tags: "TagB" }),
              message(mq(0), 7)
            ])))
          )
      )
      yield* pullsReach(parts, 2)
      expect(parts.broker.pulls[0]!.subscription).toBe("TagA")
      expect(parts.consume.offsets()).toEqual([[5]])
      expect(parts.pq.count).toBe(1)
      expect(parts.broker.pulls[1]!.queueOffset).toBe(8)
    }))

  it.scoped("a message of the group's retry topic is handed over under its original topic", () =>
    Effect.gen(function*() {
      const retry = mq(0, RETRY_GROUP_TOPIC_PREFIX + "G")
      const parts = yield* makeConsumerParts()
      const held = yield* holdQueue(parts.context, retry)
      const consume = recordingConsume()
      parts.broker.pullScript.push(
        Effect.succeed(found([message(retry, 3, { properties: { [MessageConst.RETRY_TOPIC]: "T" } })]))
      )
      yield* Effect.forkScoped(pullLoop(parts.context, consume.service, held, 3))
      yield* pullsReach(parts, 2)
      expect(consume.submitted[0]!.messages.map((m) => m.topic)).toEqual(["T"])
    }))

  it.scoped("the next pull goes to the broker node the last answer suggested", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(5, {}, ({ broker }) =>
        Effect.sync(() => {
          broker.pullScript.push(Effect.succeed(found([message(mq(0), 5)], { suggestWhichBrokerId: 1 })))
          broker.pullScript.push(Effect.succeed(noMessage("NO_NEW_MSG", 6)))
        }))
      yield* pullsReach(parts, 3)
      expect(parts.broker.pulls.map((p) => p.brokerId)).toEqual([0, 1, 0])
    }))

  it.scoped("a cache over its limit puts the pull off by 50 ms until it is consumed below the limit", () =>
    Effect.gen(function*() {
      const cached = [message(mq(0), 0), message(mq(0), 1), message(mq(0), 2)]
      const parts = yield* pulling(
        3,
        { pullThresholdForQueue: 2 },
        ({ held }) => Effect.sync(() => void held.processQueue.putMessages(cached))
      )
      yield* eventually(Effect.map(sleepsEndingIn(50), (n) => n === 1), { what: "the flow-control wait" })
      yield* TestClock.adjust("50 millis")
      yield* eventually(Effect.map(sleepsEndingIn(50), (n) => n === 1), { what: "the next flow-control wait" })
      expect(parts.broker.pulls).toEqual([])
      parts.pq.removeMessages(cached.slice(0, 1))
      yield* TestClock.adjust("50 millis")
      yield* pullsReach(parts, 1)
      expect(parts.broker.pulls[0]!.queueOffset).toBe(3)
    }))

  it.scoped("with a pull interval, the next pull after messages were found waits for it", () =>
    Effect.gen(function*() {
      const parts = yield* pulling(0, { pullInterval: "200 millis" }, ({ broker }) =>
        Effect.sync(() =>
          broker.pullScript.push(Effect.succeed(found([message(mq(0), 0)])))
        ))
      yield* eventually(Effect.map(sleepsEndingIn(200), (n) => n === 1), { what: "the pull interval" })
      expect(parts.broker.pulls).toHaveLength(1)
      yield* TestClock.adjust("200 millis")
      yield* pullsReach(parts, 2)
    }))

  it.scoped("a queue dropped while its pull is in flight caches nothing of the answer, and its loop ends", () =>
    Effect.gen(function*() {
      const answer = yield* Deferred.make<void>()
      const parts = yield* pulling(
        0,
        {},
        ({ broker }) =>
          Effect.sync(() =>
            broker.pullScript.push(Effect.as(Deferred.await(answer), found([message(mq(0), 0), message(mq(0), 1)])))
          )
      )
      yield* pullsReach(parts, 1)
      parts.pq.drop()
      yield* Deferred.succeed(answer, undefined)
      yield* Fiber.join(parts.loop)
      expect(parts.pq.count).toBe(0)
      expect(parts.consume.submitted).toEqual([])
      expect(parts.broker.pulls).toHaveLength(1)
    }))
})
