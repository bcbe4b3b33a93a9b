import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Fiber, TestClock } from "effect"
import * as ConsumeOrderly from "../../../src/layers/consumer/ConsumeOrderly.js"
import { LOCK_MAX_LIVE_MILLIS } from "../../../src/layers/consumer/ConsumerContext.js"
import { makeQueueLocks } from "../../../src/layers/consumer/QueueLocks.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import type { PushConsumerOptions } from "../../../src/services/PushConsumer.js"
import { holdQueue, makeConsumerParts, message, mq, offsetsOf } from "../../support/ConsumerParts.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../../support/Eventually.js"

/**
 * An orderly consumer holding queue 0 of `T`, its broker lock held unless `locked` is false; `deliver` caches messages
 * (with the reconsume times given) and hands them over as a pull would.
 */
const consumer = (options: Partial<PushConsumerOptions<unknown, never>> = {}, locked = true) =>
  Effect.gen(function*() {
    const parts = yield* makeConsumerParts({ consumer: { orderly: true, ...options } })
    const consume = yield* ConsumeOrderly.make(parts.context, makeQueueLocks(parts.context).lockHeld)
    const held = yield* holdQueue(parts.context, mq(0))
    if (locked) held.processQueue.setLocked(true, yield* Clock.currentTimeMillis)
    const deliver = (offsets: ReadonlyArray<number>, reconsumeTimes = 0) =>
      Effect.suspend(() => {
        const messages = offsets.map((o) => message(mq(0), o, { reconsumeTimes }))
        return consume.submit(held, messages, held.processQueue.putMessages(messages))
      })
    const committed = parts.context.offsetStore.readOffset(mq(0), "READ_FROM_MEMORY")
    const handledReach = (n: number) => eventually(() => parts.handled.length >= n, { what: `${n} batches handled` })
    return { ...parts, held, deliver, committed, handledReach }
  })

const awaitSleep = (millis: number) =>
  eventually(Effect.map(sleepsEndingIn(millis), (n) => n === 1), { what: `a wait of ${millis} ms` })

describe("orderly consumption", () => {
  it.scoped("one batch at a time in offset order; messages pulled meanwhile wait their turn; each batch committed", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const first = yield* Deferred.make<void>()
      let running = 0
      let peak = 0
      c.handleWith((messages) =>
        Effect.acquireUseRelease(
          Effect.sync(() => (peak = Math.max(peak, ++running))),
          () => messages[0]!.queueOffset === 0 ? Deferred.await(first) : Effect.void,
          () => Effect.sync(() => running--)
        ).pipe(Effect.as("CONSUME_SUCCESS" as const))
      )
      yield* c.deliver([0, 1])
      yield* c.handledReach(1)
      yield* c.deliver([3, 2])
      yield* fibersSettle()
      expect(c.handled).toHaveLength(1)
      expect(yield* c.committed).toBe(-1)
      yield* Deferred.succeed(first, undefined)
      yield* c.handledReach(4)
      yield* eventually(Effect.map(c.committed, (o) => o === 4), { what: "offset 4 committed" })
      expect(offsetsOf(c.handled)).toEqual([[0], [1], [2], [3]])
      expect(peak).toBe(1)
    }))

  it.scoped("RECONSUME_LATER suspends the queue for suspendCurrentQueueTime; the same messages come first again", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ consumeMessageBatchMaxSize: 2 })
      c.handleWith((messages) =>
        Effect.succeed(messages[0]!.reconsumeTimes === 0 ? "RECONSUME_LATER" : "CONSUME_SUCCESS")
      )
      yield* c.deliver([0, 1, 2])
      yield* c.handledReach(1)
      yield* awaitSleep(1000)
      yield* TestClock.adjust("999 millis")
      yield* fibersSettle()
      expect(c.handled).toHaveLength(1)
      expect(yield* c.committed).toBe(-1)
      yield* TestClock.adjust("1 millis")
      yield* c.handledReach(2)
      expect(c.handled[1]!.map((m) => [m.queueOffset, m.reconsumeTimes])).toEqual([[0, 1], [1, 1]])
      yield* eventually(Effect.map(c.committed, (o) => o === 2), { what: "offset 2 committed" })
      // Message 2 came with reconsume times 0: it is suspended in its turn.
      expect(c.broker.sentBack).toEqual([])
    }))

  it.scoped("a message past its max reconsume times goes to the DLQ (delay level -1), is committed, and the queue goes on", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ maxReconsumeTimes: 2 })
      c.handleWith((messages: ReadonlyArray<MessageExt>) =>
        Effect.succeed(messages[0]!.queueOffset === 0 ? "RECONSUME_LATER" : "CONSUME_SUCCESS")
      )
      yield* c.deliver([0, 1], 2)
      yield* c.handledReach(2)
      yield* eventually(Effect.map(c.committed, (o) => o === 2), { what: "offset 2 committed" })
      expect(c.broker.sentBack.map((s) => [s.message.queueOffset, s.delayLevel, s.maxReconsumeTimes])).toEqual([
        [0, -1, 2]
      ])
      expect(offsetsOf(c.handled)).toEqual([[0], [1]])
    }))

  it.scoped("when the DLQ send fails the queue is suspended and the message consumed again, counted once more", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ maxReconsumeTimes: 2 })
      c.broker.sendBackFails = () => true
      c.handleWith((messages) =>
        Effect.succeed(messages[0]!.reconsumeTimes === 2 ? "RECONSUME_LATER" : "CONSUME_SUCCESS")
      )
      yield* c.deliver([0], 2)
      yield* c.handledReach(1)
      yield* awaitSleep(1000)
      expect(yield* c.committed).toBe(-1)
      yield* TestClock.adjust("1 second")
      yield* c.handledReach(2)
      expect(c.handled[1]!.map((m) => m.reconsumeTimes)).toEqual([3])
      yield* eventually(Effect.map(c.committed, (o) => o === 1), { what: "offset 1 committed" })
    }))

  it.scoped("a queue whose broker lock is not held is not consumed: it is locked again after 100 ms (3 s more if refused)", () =>
    Effect.gen(function*() {
      const c = yield* consumer({}, false)
      c.broker.lockable = () => false
      yield* c.deliver([0])
      yield* awaitSleep(100)
      yield* TestClock.adjust("100 millis")
      yield* eventually(() => c.broker.lockRequests.length === 1, { what: "a lock asked" })
      yield* awaitSleep(3000)
      expect(c.handled).toEqual([])
      c.broker.lockable = () => true
      yield* TestClock.adjust("3 seconds")
      yield* awaitSleep(100)
      yield* TestClock.adjust("100 millis")
      yield* c.handledReach(1)
      expect(c.broker.lockRequests).toHaveLength(2)
      expect(c.held.processQueue.locked).toBe(true)
    }))

  it.scoped("a lock not renewed for over 30 s is not trusted: the queue is locked again before its next batch", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      yield* TestClock.adjust(LOCK_MAX_LIVE_MILLIS + 1)
      yield* c.deliver([0])
      yield* awaitSleep(100)
      expect(c.handled).toEqual([])
      yield* TestClock.adjust("100 millis")
      yield* c.handledReach(1)
      expect(c.broker.lockRequests).toHaveLength(1)
      expect(c.held.processQueue.lastLockTimestamp).toBe(LOCK_MAX_LIVE_MILLIS + 101)
    }))

  it.scoped("broadcasting takes no broker lock", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ messageModel: "BROADCASTING" }, false)
      yield* c.deliver([0, 1])
      yield* c.handledReach(2)
      expect(c.broker.lockRequests).toEqual([])
    }))

  it.scoped("a batch holds the queue's consume lock while it runs, which a rebalance waits for", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const gate = yield* Deferred.make<void>()
      c.handleWith(() => Effect.as(Deferred.await(gate), "CONSUME_SUCCESS" as const))
      yield* c.deliver([0])
      yield* c.handledReach(1)
      const rebalance = yield* Effect.fork(c.held.consumeLock.take(1))
      yield* fibersSettle()
      expect(rebalance.unsafePoll()).toBeNull()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(rebalance)
      yield* eventually(Effect.map(c.committed, (o) => o === 1), { what: "offset 1 committed" })
    }))

  it.scoped("a queue dropped meanwhile: the batch running is not committed and nothing more is consumed", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const gate = yield* Deferred.make<void>()
      c.handleWith(() => Effect.as(Deferred.await(gate), "CONSUME_SUCCESS" as const))
      yield* c.deliver([0, 1])
      yield* c.handledReach(1)
      c.held.processQueue.drop()
      yield* Deferred.succeed(gate, undefined)
      yield* fibersSettle()
      expect(c.handled).toHaveLength(1)
      expect(yield* c.committed).toBe(-1)
    }))
})
