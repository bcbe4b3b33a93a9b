import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, FastCheck as fc, Fiber, TestClock } from "effect"
import { PULL_MAX_IDLE_MILLIS } from "../../../src/layers/consumer/ConsumerContext.js"
import type { ConsumeService } from "../../../src/layers/consumer/PullLoop.js"
import { makeQueueLocks } from "../../../src/layers/consumer/QueueLocks.js"
import * as Rebalance from "../../../src/layers/consumer/Rebalance.js"
import type { ConsumeFromWhere } from "../../../src/protocol/bodies/HeartbeatData.js"
import { PermName } from "../../../src/protocol/bodies/TopicRouteData.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../../src/protocol/MessageConst.js"
import { compareMessageQueues, type MessageQueue, messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import type { PushConsumerOptions } from "../../../src/services/PushConsumer.js"
import { CLIENT_ID, holdQueue, makeConsumerParts, mq, pullMessageService, route } from "../../support/ConsumerParts.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../../support/Eventually.js"

const OTHER_CLIENT = "10.0.0.2@other"
const keys = (queues: ReadonlyArray<MessageQueue>) => queues.map(messageQueueKey).sort()
const nothingConsumed: ConsumeService = { submit: () => Effect.void }

describe("subscribeQueues", () => {
  it("takes queue ids 0 to readQueueNums-1 of every readable broker, sorted as Java sorts queues", () => {
    const queues = Rebalance.subscribeQueues(
      "T",
      route([
        { name: "b2", readQueueNums: 2 },
        { name: "b1", readQueueNums: 3 },
        { name: "b3", readQueueNums: 4, perm: PermName.WRITE }
      ])
    )
    expect(queues).toEqual([mq(0), mq(1), mq(2), mq(0, "T", "b2"), mq(1, "T", "b2")])
  })

  it.prop(
    "property: only readable brokers, ids 0..readQueueNums-1 each, sorted",
    [
      fc.uniqueArray(
        fc.record({
          name: fc.constantFrom("a", "b", "c", "d", "e", "f"),
          readQueueNums: fc.integer({ min: 0, max: 8 }),
          perm: fc.integer({ min: 0, max: 15 })
        }),
        { selector: (b) => b.name, maxLength: 6 }
      )
    ],
    ([brokers]) => {
      const queues = Rebalance.subscribeQueues("T", route(brokers))
      const readable = brokers.filter((b) => (b.perm & PermName.READ) !== 0)
      expect(queues).toHaveLength(readable.reduce((n, b) => n + b.readQueueNums, 0))
      for (const b of readable) {
        expect(queues.filter((q) => q.brokerName === b.name).map((q) => q.queueId)).toEqual(
          Array.from({ length: b.readQueueNums }, (_, i) => i)
        )
      }
      expect(queues.every((q) => q.topic === "T" && readable.some((b) => b.name === q.brokerName))).toBe(true)
      expect([...queues].sort(compareMessageQueues)).toEqual(queues)
    }
  )
})

describe("rebalanceDiff", () => {
  it("lets go of the queues not allocated any more and of the ones idle over 120 s; takes the new ones", () => {
    const now = 1_000_000
    const diff = Rebalance.rebalanceDiff(
      [
        { queue: mq(0), lastPullTimestamp: now },
        { queue: mq(1), lastPullTimestamp: now - PULL_MAX_IDLE_MILLIS },
        { queue: mq(2), lastPullTimestamp: now - PULL_MAX_IDLE_MILLIS - 1 },
        { queue: mq(3), lastPullTimestamp: now }
      ],
      [mq(0), mq(1), mq(2), mq(4), mq(4)],
      now
    )
    expect(diff.release).toEqual([{ queue: mq(2), idle: true }, { queue: mq(3), idle: false }])
    // The idle queue still allocated is taken again at once; the new one once, however often it is listed.
    expect(diff.take).toEqual([mq(2), mq(4)])
  })

  const queue = fc.integer({ min: 0, max: 11 }).map((i) => mq(i % 6, "T", i < 6 ? "b1" : "b2"))
  it.prop(
    "property: take ∩ kept = ∅, release ⊆ held, idle always released, no duplicates, held − release + take = mine",
    [
      fc.uniqueArray(fc.record({ queue, lastPullTimestamp: fc.integer({ min: 0, max: 300_000 }) }), {
        selector: (h) => messageQueueKey(h.queue)
      }),
      fc.array(queue, { maxLength: 16 }),
      fc.integer({ min: 0, max: 300_000 })
    ],
    ([held, mine, now]) => {
      const { release, take } = Rebalance.rebalanceDiff(held, mine, now)
      const heldKeys = new Set(held.map((h) => messageQueueKey(h.queue)))
      const releaseKeys = release.map((r) => messageQueueKey(r.queue))
      const takeKeys = take.map(messageQueueKey)
      // Nothing held and kept is taken again; only a released (idle) queue still allocated may be.
      expect(takeKeys.filter((k) => heldKeys.has(k) && !releaseKeys.includes(k))).toEqual([])
      expect(releaseKeys.every((k) => heldKeys.has(k))).toBe(true)
      expect(new Set(releaseKeys).size).toBe(releaseKeys.length)
      expect(new Set(takeKeys).size).toBe(takeKeys.length)
      const idle = new Set(
        held.filter((h) => now - h.lastPullTimestamp > PULL_MAX_IDLE_MILLIS).map((h) => messageQueueKey(h.queue))
      )
      for (const key of idle) expect(releaseKeys).toContain(key)
      for (const r of release) expect(r.idle).toBe(idle.has(messageQueueKey(r.queue)))
      // What is held after the round is exactly what was allocated, idle queues taken again included.
      const after = [...heldKeys].filter((k) => !releaseKeys.includes(k)).concat(takeKeys)
      expect(after.sort()).toEqual([...new Set(mine.map(messageQueueKey))].sort())
      for (const key of idle) expect(takeKeys.includes(key)).toBe(mine.some((q) => messageQueueKey(q) === key))
    }
  )
})

describe("computePullFromWhere", () => {
  const retry = mq(0, RETRY_GROUP_TOPIC_PREFIX + "G")
  const startOf = (consumeFromWhere: ConsumeFromWhere, queue: MessageQueue, stored?: number) =>
    Effect.gen(function*() {
      const parts = yield* makeConsumerParts({ consumer: { consumeFromWhere, consumeTimestamp: 1234 } })
      if (stored !== undefined) parts.broker.storedOffsets.set(messageQueueKey(queue), stored)
      parts.broker.maxOffsets.set(messageQueueKey(queue), 500)
      parts.broker.searchAnswer = 42
      return { start: yield* Rebalance.computePullFromWhere(parts.context, queue), broker: parts.broker }
    })

  it.scoped("the offset the group stored on the broker comes first, whatever consume-from-where says", () =>
    Effect.gen(function*() {
      for (
        const where of ["CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_FIRST_OFFSET", "CONSUME_FROM_TIMESTAMP"] as const
      ) {
        expect((yield* startOf(where, mq(0), 17)).start).toBe(17)
      }
    }))

  it.scoped("with none stored: the last offset (0 for a retry topic), the first, or the one at the timestamp", () =>
    Effect.gen(function*() {
      expect((yield* startOf("CONSUME_FROM_LAST_OFFSET", mq(0))).start).toBe(500)
      expect((yield* startOf("CONSUME_FROM_LAST_OFFSET", retry)).start).toBe(0)
      expect((yield* startOf("CONSUME_FROM_FIRST_OFFSET", mq(0))).start).toBe(0)
      expect((yield* startOf("CONSUME_FROM_MIN_OFFSET", mq(0))).start).toBe(0)
      const byTime = yield* startOf("CONSUME_FROM_TIMESTAMP", mq(0))
      expect(byTime.start).toBe(42)
      expect(byTime.broker.searches).toEqual([{ queue: mq(0), timestamp: 1234 }])
      // A retry topic starts at its max offset rather than searching by time.
      const retried = yield* startOf("CONSUME_FROM_TIMESTAMP", retry)
      expect(retried.start).toBe(500)
      expect(retried.broker.searches).toEqual([])
    }))
})

describe("allocation", () => {
  const fourQueues = route([{ name: "b1", readQueueNums: 4 }])

  it.scoped("clustering: this client's share (averagely) among the group's members, sorted", () =>
    Effect.gen(function*() {
      const { broker, context, routes } = yield* makeConsumerParts()
      routes.cached.set("T", fourQueues)
      broker.members = [OTHER_CLIENT, CLIENT_ID]
      expect(yield* Rebalance.allocation(context, "T")).toEqual([mq(0), mq(1)])
      broker.members = [OTHER_CLIENT, CLIENT_ID, "10.0.0.0@first"]
      expect(yield* Rebalance.allocation(context, "T")).toEqual([mq(2)])
    }))

  it.scoped("broadcasting: every readable queue, without asking for the group's members", () =>
    Effect.gen(function*() {
      const { broker, context, routes } = yield* makeConsumerParts({ consumer: { messageModel: "BROADCASTING" } })
      routes.cached.set("T", fourQueues)
      broker.members = [OTHER_CLIENT, CLIENT_ID]
      expect(yield* Rebalance.allocation(context, "T")).toEqual([mq(0), mq(1), mq(2), mq(3)])
      expect(broker.memberLookups).toBe(0)
    }))

  it.scoped("a route not cached is asked of the name server; none there, or no member yet, allocates nothing", () =>
    Effect.gen(function*() {
      const { broker, context, routes } = yield* makeConsumerParts()
      broker.members = [CLIENT_ID]
      expect(yield* Rebalance.allocation(context, "T")).toBeUndefined()
      routes.nameServer.set("T", fourQueues)
      expect(yield* Rebalance.allocation(context, "T")).toEqual([mq(0), mq(1), mq(2), mq(3)])
      expect(routes.refreshes).toBe(2)
      broker.members = []
      expect(yield* Rebalance.allocation(context, "T")).toBeUndefined()
    }))

  it.scoped("a broker that does not know the group yet is sent a heartbeat, then asked once more", () =>
    Effect.gen(function*() {
      const parts = yield* makeConsumerParts()
      parts.routes.cached.set("T", fourQueues)
      parts.broker.members = [CLIENT_ID]
      parts.broker.memberLookupFailures = 1
      expect(yield* Rebalance.allocation(parts.context, "T")).toHaveLength(4)
      expect(parts.heartbeats()).toBe(1)
      expect(parts.broker.memberLookups).toBe(2)
    }))
})

describe("the rebalance of a push consumer", () => {
  /** A consumer of `T` (4 queues on b1), alone in its group, with its rebalance, the pull service and the locks. */
  const consumer = (options: Partial<PushConsumerOptions<unknown, never>> = {}) =>
    Effect.gen(function*() {
      const parts = yield* makeConsumerParts({ consumer: options })
      const pulls = yield* pullMessageService
      const rebalancer = yield* Rebalance.make(parts.context, nothingConsumed, pulls, makeQueueLocks(parts.context))
      parts.routes.cached.set("T", route([{ name: "b1", readQueueNums: 4 }]))
      parts.broker.members = [CLIENT_ID]
      const held = () => keys(parts.context.processQueues.queues())
      const heldQueue = (queue: MessageQueue) =>
        parts.context.processQueues.all().find((h) => h.key === messageQueueKey(queue))!
      return { ...parts, pulls, rebalancer, held, heldQueue }
    })

  it.scoped("a consumer alone takes every queue, each from the offset its group stored (else the last), and says so at once", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      c.broker.storedOffsets.set(messageQueueKey(mq(0)), 10)
      c.broker.maxOffsets.set(messageQueueKey(mq(1)), 50)
      yield* c.rebalancer.rebalance
      expect(c.held()).toEqual(keys([mq(0), mq(1), mq(2), mq(3)]))
      yield* eventually(() => c.broker.pulls.length === 4, { what: "a pull of each queue" })
      expect(c.broker.pullsOf(mq(0))[0]!.queueOffset).toBe(10)
      expect(c.broker.pullsOf(mq(1))[0]!.queueOffset).toBe(50)
      expect(c.broker.pullsOf(mq(2))[0]!.queueOffset).toBe(0)
      expect(c.heartbeats()).toBe(1)
      expect(yield* c.pulls.size).toBe(4)
      // Nothing changed: no heartbeat.
      yield* c.rebalancer.rebalance
      expect(c.heartbeats()).toBe(1)
    }))

  it.scoped("a second consumer joins: half the queues are let go, their offsets persisted and their pulls stopped", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      yield* c.rebalancer.rebalance
      const [q2, q3] = [c.heldQueue(mq(2)), c.heldQueue(mq(3))]
      yield* c.context.offsetStore.updateOffset(mq(2), 33, true)
      yield* c.context.offsetStore.updateOffset(mq(3), 44, true)
      c.broker.members = [CLIENT_ID, OTHER_CLIENT]
      yield* c.rebalancer.rebalance
      expect(c.held()).toEqual(keys([mq(0), mq(1)]))
      expect(q2.processQueue.dropped && q3.processQueue.dropped).toBe(true)
      expect(c.broker.lastUpdate(mq(2))).toBe(33)
      expect(c.broker.lastUpdate(mq(3))).toBe(44)
      expect(yield* c.context.offsetStore.offsets("T")).toEqual([])
      expect(yield* c.pulls.size).toBe(2)
      expect(c.heartbeats()).toBe(2)
    }))

  it.scoped("a queue not pulled for over 120 s is dropped, taken again in the same round, and pulled afresh", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      yield* c.rebalancer.rebalance
      yield* eventually(() => c.broker.pulls.length === 4, { what: "a pull of each queue" })
      const first = c.heldQueue(mq(0))
      // The pulls never answer (a stuck broker): no queue is pulled again.
      yield* TestClock.adjust(PULL_MAX_IDLE_MILLIS)
      yield* c.rebalancer.rebalance
      expect(c.heldQueue(mq(0))).toBe(first)
      expect(c.heartbeats()).toBe(1)
      yield* TestClock.adjust(1)
      yield* c.rebalancer.rebalance
      // Dropped and taken again in the same round (Java: the idle entry is removed before the new ones are taken).
      expect(first.processQueue.dropped).toBe(true)
      expect(c.heartbeats()).toBe(2)
      expect(c.held()).toEqual(keys([mq(0), mq(1), mq(2), mq(3)]))
      expect(c.heldQueue(mq(0))).not.toBe(first)
      expect(c.heldQueue(mq(0)).processQueue.dropped).toBe(false)
      yield* eventually(() => c.broker.pullsOf(mq(0)).length === 2, { what: "queue 0 pulled afresh" })
    }))

  it.scoped("an offset reset by the broker: the queues named are taken again from the new offsets, the others kept", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      yield* c.rebalancer.rebalance
      yield* eventually(() => c.broker.pulls.length === 4, { what: "a pull of each queue" })
      const kept = c.heldQueue(mq(0))
      yield* c.rebalancer.resetOffset("T", [[mq(1), 40]])
      expect(c.broker.lastUpdate(mq(1))).toBe(40)
      yield* eventually(() => c.broker.pullsOf(mq(1)).length === 2, { what: "queue 1 pulled again" })
      expect(c.broker.pullsOf(mq(1))[1]!.queueOffset).toBe(40)
      expect(c.heldQueue(mq(0))).toBe(kept)
      expect(c.held()).toEqual(keys([mq(0), mq(1), mq(2), mq(3)]))
    }))

  it.scoped("a queue whose start cannot be read is left for the next rebalance", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      c.broker.offsetCallsFail = true
      yield* c.rebalancer.rebalance
      expect(c.held()).toEqual([])
      expect(c.heartbeats()).toBe(0)
      c.broker.offsetCallsFail = false
      yield* c.rebalancer.rebalance
      expect(c.held()).toHaveLength(4)
    }))

  it.scoped("a queue of a topic no longer subscribed is let go", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      const old = yield* holdQueue(c.context, mq(0, "Old"))
      yield* c.rebalancer.rebalance
      expect(old.processQueue.dropped).toBe(true)
      expect(c.context.processQueues.has(mq(0, "Old"))).toBe(false)
    }))

  it.scoped("once stopped, no round runs: a member joining changes nothing", () =>
    Effect.gen(function*() {
      const c = yield* consumer()
      yield* c.rebalancer.rebalance
      expect(yield* c.rebalancer.stop(Duration.seconds(1))).toBe(true) // no round was running
      c.broker.members = [CLIENT_ID, OTHER_CLIENT]
      yield* c.rebalancer.rebalance
      expect(c.held()).toHaveLength(4)
      expect(c.heartbeats()).toBe(1)
    }))

  it.scoped("orderly: a queue another consumer has locked is not taken; a queue let go is unlocked on its broker", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ orderly: true })
      c.broker.lockable = (q) => q.queueId !== 1
      yield* c.rebalancer.rebalance
      expect(c.held()).toEqual(keys([mq(0), mq(2), mq(3)]))
      expect(c.heldQueue(mq(0)).processQueue.locked).toBe(true)
      c.broker.members = [CLIENT_ID, OTHER_CLIENT]
      yield* c.rebalancer.rebalance
      expect(c.held()).toEqual(keys([mq(0)]))
      expect(c.broker.unlockRequests.flatMap((r) => r.queues)).toEqual([mq(2), mq(3)])
    }))

  it.scoped("orderly: a queue let go while its batch runs waits 1 s for it, then leaves its lock to expire", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ orderly: true })
      yield* c.rebalancer.rebalance
      yield* c.context.offsetStore.updateOffset(mq(3), 9, true)
      const busy = c.heldQueue(mq(3))
      yield* busy.consumeLock.take(1)
      c.broker.members = [CLIENT_ID, OTHER_CLIENT]
      const round = yield* Effect.fork(c.rebalancer.rebalance)
      yield* eventually(Effect.map(sleepsEndingIn(1000), (n) => n === 1), { what: "the wait for the batch" })
      yield* fibersSettle()
      expect(round.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(round)
      expect(c.broker.unlockRequests.flatMap((r) => r.queues)).toEqual([mq(2)])
      expect(c.broker.lastUpdate(mq(3))).toBe(9)
      expect(busy.processQueue.dropped).toBe(true)
    }))

  it.scoped("at shutdown every queue is dropped and the orderly locks released, the queues still listed", () =>
    Effect.gen(function*() {
      const c = yield* consumer({ orderly: true })
      yield* c.rebalancer.rebalance
      yield* c.rebalancer.releaseAll
      expect(c.context.processQueues.all().every((h) => h.processQueue.dropped)).toBe(true)
      expect(c.held()).toHaveLength(4)
      expect(keys(c.broker.unlockRequests.flatMap((r) => r.queues))).toEqual(keys([mq(0), mq(1), mq(2), mq(3)]))
    }))
})
