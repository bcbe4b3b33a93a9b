import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, TestClock } from "effect"
import * as ConsumeConcurrently from "../../../src/layers/consumer/ConsumeConcurrently.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import type { ConsumeResult, PushConsumerOptions } from "../../../src/services/PushConsumer.js"
import { holdQueue, makeConsumerParts, message, mq, offsetsOf } from "../../support/ConsumerParts.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../../support/Eventually.js"

/** A concurrent consumer holding queue 0 of `T`; `deliver` caches messages and hands them over as a pull would. */
const consumer = (options: Partial<PushConsumerOptions<unknown, never>> = {}) =>
  Effect.gen(function*() {
    const parts = yield* makeConsumerParts({ consumer: options })
    const consume = yield* ConsumeConcurrently.make(parts.context)
    const held = yield* holdQueue(parts.context, mq(0))
    const deliver = (offsets: ReadonlyArray<number>) =>
      Effect.suspend(() => {
        const messages = offsets.map((o) => message(mq(0), o))
        return consume.submit(held, messages, held.processQueue.putMessages(messages))
      })
    const committed = parts.context.offsetStore.readOffset(mq(0), "READ_FROM_MEMORY")
    const handledReach = (n: number) => eventually(() => parts.handled.length >= n, { what: `${n} batches handled` })
    const settled = eventually(() => held.processQueue.count === 0, { what: "every message settled" })
    return { ...parts, held, deliver, committed, handledReach, settled }
  })

const answering = (f: (message: MessageExt) => ConsumeResult) => (messages: ReadonlyArray<MessageExt>) =>
  Effect.succeed(f(messages[0]!))

describe("concurrent consumption", () => {
  it.scoped("the offset committed is the smallest not consumed: a slow message holds it back until it is done", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const slow = yield* Deferred.make<void>()
      c.handleWith((messages) =>
        messages[0]!.queueOffset === 0
          ? Effect.as(Deferred.await(slow), "CONSUME_SUCCESS")
          : Effect.succeed("CONSUME_SUCCESS")
      )
      yield* c.deliver([0, 1, 2])
      yield* c.handledReach(3)
      yield* eventually(() => c.held.processQueue.count === 1, { what: "messages 1 and 2 settled" })
      expect(yield* c.committed).toBe(0)
      yield* Deferred.succeed(slow, undefined)
      yield* c.settled
      expect(yield* c.committed).toBe(3)
      expect(c.broker.sentBack).toEqual([])
    }))

  it.scoped("messages are handed over in batches of consumeMessageBatchMaxSize", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ consumeMessageBatchMaxSize: 2, concurrency: 1 })
      yield* c.deliver([0, 1, 2, 3, 4])
      yield* c.settled
      expect(offsetsOf(c.handled)).toEqual([[0, 1], [2, 3], [4]])
      expect(yield* c.committed).toBe(5)
    }))

  it.scoped("a message to be consumed later is sent back (delay level 0, at most 16 times) and the offset passes it", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      c.handleWith(answering((m) => m.queueOffset === 1 ? "RECONSUME_LATER" : "CONSUME_SUCCESS"))
      yield* c.deliver([0, 1, 2])
      yield* c.settled
      expect(c.broker.sentBack.map((s) => [s.message.queueOffset, s.delayLevel, s.maxReconsumeTimes])).toEqual([
        [1, 0, 16]
      ])
      expect(yield* c.committed).toBe(3)
    }))

  it.scoped("a handler that fails or dies counts as RECONSUME_LATER: its messages are sent back", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      c.handleWith((messages) =>
        messages[0]!.queueOffset === 0 ? Effect.fail("no database") : Effect.die("a bug in the handler")
      )
      yield* c.deliver([0, 1])
      yield* c.settled
      expect(c.broker.sentBack.map((s) => s.message.queueOffset).sort()).toEqual([0, 1])
      expect(yield* c.committed).toBe(2)
    }))

  it.scoped("a message the broker does not take back is kept, holds the offset, and is consumed here again 5 s later", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      c.broker.sendBackFails = () => c.broker.sentBack.length === 1
      c.handleWith(
        answering((m) => m.reconsumeTimes === 0 && m.queueOffset === 0 ? "RECONSUME_LATER" : "CONSUME_SUCCESS")
      )
      yield* c.deliver([0, 1])
      yield* eventually(() => c.held.processQueue.count === 1, { what: "message 1 settled" })
      yield* eventually(Effect.map(sleepsEndingIn(5000), (n) => n === 1), { what: "the local retry's wait" })
      expect(yield* c.committed).toBe(0)
      expect(c.handled).toHaveLength(2)
      yield* TestClock.adjust("4999 millis")
      yield* fibersSettle()
      expect(c.handled).toHaveLength(2)
      yield* TestClock.adjust("1 millis")
      yield* c.settled
      const again = c.handled[2]!
      expect(again.map((m) => [m.queueOffset, m.reconsumeTimes])).toEqual([[0, 1]])
      expect(yield* c.committed).toBe(2)
    }))

  it.scoped("broadcasting: failed messages are not sent back, only dropped, and the offset passes them", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ messageModel: "BROADCASTING" })
      c.handleWith(() => Effect.succeed("RECONSUME_LATER"))
      yield* c.deliver([0, 1])
      yield* c.settled
      expect(c.broker.sentBack).toEqual([])
      expect(yield* c.committed).toBe(2)
    }))

  it.scoped("a batch running past the consume timeout is interrupted and sent back (delay level 3); the next runs", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ consumeTimeout: "1 minute", concurrency: 1 })
      const interrupted = yield* Deferred.make<void>()
      c.handleWith((messages) =>
        messages[0]!.queueOffset === 0
          ? Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined)))
          : Effect.succeed("CONSUME_SUCCESS")
      )
      yield* c.deliver([0, 1])
      yield* c.handledReach(1)
      // The sweep runs every 30 s: at 30 s the batch is not yet past its minute.
      yield* eventually(Effect.map(sleepsEndingIn(30_000), (n) => n === 1), { what: "the first sweep's wait" })
      yield* TestClock.adjust("30 seconds")
      yield* eventually(Effect.map(sleepsEndingIn(30_000), (n) => n === 1), { what: "the second sweep's wait" })
      expect(c.broker.sentBack).toEqual([])
      expect(c.handled).toHaveLength(1)
      yield* TestClock.adjust("30 seconds")
      yield* Deferred.await(interrupted)
      yield* c.settled
      expect(c.broker.sentBack.map((s) => [s.message.queueOffset, s.delayLevel])).toEqual([[0, 3]])
      expect(offsetsOf(c.handled)).toEqual([[0], [1]])
      expect(yield* c.committed).toBe(2)
    }))

  it.scoped("a batch whose handler interrupted itself (its worker replaced) is sent back by the sweep (delay level 3)", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ consumeTimeout: "1 minute", concurrency: 1 })
      c.handleWith((messages) => messages[0]!.queueOffset === 0 ? Effect.interrupt : Effect.succeed("CONSUME_SUCCESS"))
      yield* c.deliver([0, 1, 2])
      yield* c.handledReach(3)
      // Another worker took the worker's place: 1 and 2 are consumed, 0 holds the offset back.
      yield* eventually(() => c.held.processQueue.count === 1, { what: "messages 1 and 2 settled" })
      expect(yield* c.committed).toBe(0)
      yield* eventually(Effect.map(sleepsEndingIn(30_000), (n) => n === 1), { what: "the first sweep's wait" })
      yield* TestClock.adjust("30 seconds")
      yield* eventually(Effect.map(sleepsEndingIn(30_000), (n) => n === 1), { what: "the second sweep's wait" })
      expect(c.broker.sentBack).toEqual([])
      yield* TestClock.adjust("30 seconds")
      yield* c.settled
      expect(c.broker.sentBack.map((s) => [s.message.queueOffset, s.delayLevel])).toEqual([[0, 3]])
      expect(yield* c.committed).toBe(3)
    }))

  it.scoped("the results of a queue dropped meanwhile are not committed", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const gate = yield* Deferred.make<void>()
      c.handleWith((messages) =>
        Effect.as(Deferred.await(gate), messages[0]!.queueOffset === 0 ? "CONSUME_SUCCESS" : "RECONSUME_LATER")
      )
      yield* c.deliver([0, 1])
      yield* c.handledReach(2)
      c.held.processQueue.drop()
      yield* Deferred.succeed(gate, undefined)
      yield* fibersSettle()
      expect(yield* c.committed).toBe(-1)
      expect(c.broker.sentBack).toEqual([])
    }))
})
