import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import * as RemoteBrokerOffsetStore from "../../src/layers/RemoteBrokerOffsetStore.js"
import { messageQueueKey } from "../../src/protocol/MessageQueue.js"
import { FakeBroker, mq } from "../support/ConsumerParts.js"

const store = () => {
  const broker = new FakeBroker()
  return { broker, offsets: RemoteBrokerOffsetStore.make("G", broker.api) }
}

describe("the remote broker offset store", () => {
  it.effect("a queue's offset is read from the broker when none is in memory, then kept; memory alone answers -1", () =>
    Effect.gen(function*() {
      const { broker, offsets } = store()
      broker.storedOffsets.set(messageQueueKey(mq(0)), 42)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(-1)
      expect(broker.offsetQueries).toEqual([])
      expect(yield* offsets.readOffset(mq(0), "MEMORY_FIRST_THEN_STORE")).toBe(42)
      expect(yield* offsets.readOffset(mq(0), "MEMORY_FIRST_THEN_STORE")).toBe(42)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(42)
      expect(broker.offsetQueries).toHaveLength(1)
      // Reading from the store always asks the broker.
      broker.storedOffsets.set(messageQueueKey(mq(0)), 50)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_STORE")).toBe(50)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(50)
    }))

  it.effect("a queue the broker has no offset for reads -1, and nothing is kept", () =>
    Effect.gen(function*() {
      const { broker, offsets } = store()
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_STORE")).toBe(-1)
      expect(yield* offsets.offsets("T")).toEqual([])
      expect(yield* offsets.readOffset(mq(0), "MEMORY_FIRST_THEN_STORE")).toBe(-1)
      expect(broker.offsetQueries).toHaveLength(2)
    }))

  it.effect("a broker that cannot be read fails the read with an OffsetStoreError naming the queue", () =>
    Effect.gen(function*() {
      const { broker, offsets } = store()
      broker.offsetCallsFail = true
      const read = yield* Effect.either(offsets.readOffset(mq(0), "READ_FROM_STORE"))
      expect(Either.isLeft(read) && read.left).toMatchObject({ operation: "read", target: messageQueueKey(mq(0)) })
      yield* offsets.updateOffset(mq(0), 3, false)
      const persisted = yield* Effect.either(offsets.persist(mq(0)))
      expect(Either.isLeft(persisted) && persisted.left).toMatchObject({ operation: "persist" })
    }))

  it.effect("increase-only updates never move an offset back; a plain update may", () =>
    Effect.gen(function*() {
      const { offsets } = store()
      yield* offsets.updateOffset(mq(0), 10, true)
      yield* offsets.updateOffset(mq(0), 7, true)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(10)
      yield* offsets.updateOffset(mq(0), 7, false)
      expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(7)
    }))

  it.effect("a negative offset is never sent to the broker", () =>
    Effect.gen(function*() {
      const { broker, offsets } = store()
      yield* offsets.updateOffset(mq(0), -1, false)
      yield* offsets.persist(mq(0))
      yield* offsets.persistAll([mq(0), mq(1)])
      expect(broker.offsetUpdates).toEqual([])
      yield* offsets.updateOffset(mq(0), 0, false)
      yield* offsets.persist(mq(0))
      expect(broker.offsetUpdates).toEqual([{ queue: mq(0), offset: 0 }])
    }))

  it.effect("persistAll sends the assigned queues' offsets and forgets the queues no longer assigned", () =>
    Effect.gen(function*() {
      const { broker, offsets } = store()
      yield* offsets.updateOffset(mq(0), 5, true)
      yield* offsets.updateOffset(mq(1), 6, true)
      yield* offsets.updateOffset(mq(2), 7, true)
      yield* offsets.persistAll([mq(0), mq(2)])
      expect(broker.offsetUpdates.map((u) => [u.queue.queueId, u.offset]).sort()).toEqual([[0, 5], [2, 7]])
      expect((yield* offsets.offsets("T")).map(([q, o]) => [q.queueId, o]).sort()).toEqual([[0, 5], [2, 7]])
      // Forgotten: the next read of queue 1 from memory has nothing.
      expect(yield* offsets.readOffset(mq(1), "READ_FROM_MEMORY")).toBe(-1)
    }))

  it.effect("removeOffset forgets a queue's offset; offsets lists only the topic asked", () =>
    Effect.gen(function*() {
      const { offsets } = store()
      yield* offsets.updateOffset(mq(0), 5, true)
      yield* offsets.updateOffset(mq(0, "U"), 9, true)
      expect(yield* offsets.offsets("U")).toEqual([[mq(0, "U"), 9]])
      yield* offsets.removeOffset(mq(0))
      expect(yield* offsets.offsets("T")).toEqual([])
    }))

  it.effect.prop(
    "property: with increase-only updates the offset held and sent is the largest given",
    [fc.array(fc.integer({ min: -1, max: 1000 }), { minLength: 1, maxLength: 20 })],
    ([updates]) =>
      Effect.gen(function*() {
        const { broker, offsets } = store()
        for (const offset of updates) yield* offsets.updateOffset(mq(0), offset, true)
        // The first update sets the offset whatever it is; the later ones only raise it.
        const expected = Math.max(...updates)
        expect(yield* offsets.readOffset(mq(0), "READ_FROM_MEMORY")).toBe(expected)
        yield* offsets.persistAll([mq(0)])
        expect(broker.offsetUpdates).toEqual(expected < 0 ? [] : [{ queue: mq(0), offset: expected }])
      })
  )
})
