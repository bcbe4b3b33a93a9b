import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { makeQueueLocks } from "../../../src/layers/consumer/QueueLocks.js"
import { CLIENT_ID, holdQueue, makeConsumerParts, mq } from "../../support/ConsumerParts.js"

describe("queue locks", () => {
  it.scoped("a queue is locked when the broker says so, with the time; a refusal or a failed call leaves it unlocked", () =>
    Effect.gen(function*() {
      const { broker, context } = yield* makeConsumerParts({ consumer: { orderly: true } })
      const locks = makeQueueLocks(context)
      const [q0, q1, q2] = [
        yield* holdQueue(context, mq(0)),
        yield* holdQueue(context, mq(1)),
        yield* holdQueue(context, mq(0, "T", "b2"))
      ]
      broker.lockable = (q) => q.queueId === 0
      broker.lockCallsFail.add("b2")
      yield* TestClock.adjust("5 seconds")
      expect(yield* locks.lockHeld(q0)).toBe(true)
      expect(q0.processQueue.locked).toBe(true)
      expect(q0.processQueue.lastLockTimestamp).toBe(5000)
      expect(yield* locks.lockHeld(q1)).toBe(false)
      expect(q1.processQueue.locked).toBe(false)
      expect(yield* locks.lockHeld(q2)).toBe(false)
      expect(q2.processQueue.locked).toBe(false)
      // Each lock asks for its own queue, as this client of this group.
      expect(broker.lockRequests.map((r) => r.queues)).toEqual([[mq(0)], [mq(1)], [mq(0, "T", "b2")]])
      expect(broker.lockRequests.every((r) => r.clientId === CLIENT_ID && r.group === "G")).toBe(true)
    }))

  it.scoped("renewal asks each broker once for all its queues held; each queue's lock follows its broker's answer", () =>
    Effect.gen(function*() {
      const { broker, context } = yield* makeConsumerParts({ consumer: { orderly: true } })
      const locks = makeQueueLocks(context)
      const a0 = yield* holdQueue(context, mq(0))
      const a1 = yield* holdQueue(context, mq(1))
      const b0 = yield* holdQueue(context, mq(0, "T", "b2"))
      const c0 = yield* holdQueue(context, mq(0, "T", "b3"))
      a1.processQueue.setLocked(true, 0)
      b0.processQueue.setLocked(true, 0)
      broker.lockable = (q) => !(q.brokerName === "b1" && q.queueId === 1)
      broker.lockCallsFail.add("b3")
      yield* TestClock.adjust("20 seconds")
      yield* locks.lockAll
      expect(broker.lockRequests.map((r) => [r.brokerName, r.queues.length])).toEqual([["b1", 2], ["b2", 1], ["b3", 1]])
      expect([a0, a1, b0, c0].map((h) => h.processQueue.locked)).toEqual([true, false, true, false])
      expect(b0.processQueue.lastLockTimestamp).toBe(20_000)
      // A broker whose call failed leaves its queues as they were.
      expect(c0.processQueue.lastLockTimestamp).toBe(0)
    }))

  it.scoped("unlocking asks each broker once for its queues; a broker that fails does not stop the others", () =>
    Effect.gen(function*() {
      const { broker, context } = yield* makeConsumerParts({ consumer: { orderly: true } })
      const locks = makeQueueLocks(context)
      broker.lockCallsFail.add("b2")
      yield* locks.unlock([mq(0), mq(0, "T", "b2"), mq(1), mq(0, "T", "b3")])
      expect(broker.unlockRequests.map((r) => [r.brokerName, r.queues])).toEqual([
        ["b1", [mq(0), mq(1)]],
        ["b2", [mq(0, "T", "b2")]],
        ["b3", [mq(0, "T", "b3")]]
      ])
      expect(broker.unlockRequests.every((r) => r.clientId === CLIENT_ID && r.group === "G")).toBe(true)
    }))
})
