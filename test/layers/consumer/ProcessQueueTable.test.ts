import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { type HeldQueue, ProcessQueueTable } from "../../../src/layers/consumer/ProcessQueueTable.js"
import { type MessageQueue, messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import { ProcessQueue } from "../../../src/services/ProcessQueue.js"
import { mq } from "../../support/ConsumerParts.js"

const held = (queue: MessageQueue): HeldQueue => ({
  key: messageQueueKey(queue),
  queue,
  processQueue: new ProcessQueue(),
  consumeLock: Effect.unsafeMakeSemaphore(1)
})

describe("the process queue table", () => {
  it("holds the queues taken, by queue, and counts a topic's", () => {
    const table = new ProcessQueueTable()
    table.add(held(mq(0)))
    table.add(held(mq(1)))
    table.add(held(mq(0, "Other")))
    expect(table.has(mq(1))).toBe(true)
    expect(table.has(mq(2))).toBe(false)
    expect(table.queues()).toEqual([mq(0), mq(1), mq(0, "Other")])
    expect(table.countOfTopic("T")).toBe(2)
    expect(table.countOfTopic("Other")).toBe(1)
    expect(table.countOfTopic("None")).toBe(0)
  })

  it("a queue taken again replaces its old entry; removing the old entry (its loop ending late) keeps the new one", () => {
    const table = new ProcessQueueTable()
    const old = held(mq(0))
    const fresh = held(mq(0))
    table.add(old)
    table.add(fresh)
    expect(table.all()).toEqual([fresh])
    table.remove(old)
    expect(table.all()).toEqual([fresh])
    table.remove(fresh)
    expect(table.has(mq(0))).toBe(false)
  })

  it("readers get a copy: what they read does not change as queues come and go", () => {
    const table = new ProcessQueueTable()
    table.add(held(mq(0)))
    const before = table.all()
    table.add(held(mq(1)))
    table.remove(before[0]!)
    expect(before.map((h) => h.queue)).toEqual([mq(0)])
  })

  it.prop(
    "property: after any adds and removes, it holds the last entry added of each queue not removed since, and counts them",
    [
      fc.array(
        fc.record({
          add: fc.boolean(),
          queueId: fc.integer({ min: 0, max: 4 }),
          topic: fc.constantFrom("T", "U")
        }),
        { maxLength: 40 }
      )
    ],
    ([steps]) => {
      const table = new ProcessQueueTable()
      const model = new Map<string, HeldQueue>()
      for (const step of steps) {
        const queue = mq(step.queueId, step.topic)
        if (step.add) {
          const entry = held(queue)
          table.add(entry)
          model.set(entry.key, entry)
        } else {
          const entry = model.get(messageQueueKey(queue))
          if (entry !== undefined) {
            table.remove(entry)
            model.delete(entry.key)
          }
        }
      }
      expect(new Set(table.all())).toEqual(new Set(model.values()))
      for (const topic of ["T", "U"]) {
        expect(table.countOfTopic(topic)).toBe([...model.values()].filter((h) => h.queue.topic === topic).length)
      }
    }
  )
})
