import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { MessageStore, type MessageToStore } from "../../src/layers/embedded/MessageStore.js"

const message = (topic: string, queueId: number, body: string): MessageToStore => ({
  topic,
  queueId,
  flag: 0,
  properties: { KEYS: body, TAGS: "TagA" },
  body: Buffer.from(body),
  sysFlag: 0,
  bornTimestamp: 1_700_000_000_000,
  bornHost: { host: "10.0.0.1", port: 5555 },
  reconsumeTimes: 0,
  preparedTransactionOffset: 0
})

describe("embedded message store", () => {
  it("keeps queue offsets per queue and finds every record by its commit-log offset", () => {
    const store = new MessageStore({ host: "127.0.0.1", port: 10911 })
    const stored = Array.from({ length: 200 }, (_, i) => {
      const topic = i % 3 === 0 ? "A" : "B"
      const result = Either.getOrThrow(store.append(message(topic, i % 4, `m${i}`.repeat(1 + (i % 5))), 1000 + i))
      return { topic, queueId: i % 4, body: `m${i}`.repeat(1 + (i % 5)), result }
    })
    for (const { body, queueId, result, topic } of stored) {
      const found = store.lookMessageByOffset(result.commitLogOffset)
      expect(found?.topic).toBe(topic)
      expect(found?.queueId).toBe(queueId)
      expect(found?.queueOffset).toBe(result.queueOffset)
      expect(Buffer.from(found!.body).toString()).toBe(body)
    }
    // An offset inside a record, or past the last one, is no record.
    expect(store.lookMessageByOffset(stored[5]!.result.commitLogOffset + 1)).toBeUndefined()
    expect(store.lookMessageByOffset(-1)).toBeUndefined()
    const last = stored[199]!.result
    expect(store.lookMessageByOffset(last.commitLogOffset + last.size)).toBeUndefined()
    const inA = stored.filter((s) => s.topic === "A" && s.queueId === 0)
    expect(store.maxOffset("A", 0)).toBe(inA.length)
    expect(inA.map((s) => s.result.queueOffset)).toEqual(inA.map((_, i) => i))
    expect(store.maxOffset("C", 0)).toBe(0)
    expect(store.earliestStoreTime("A", 0)).toBe(1000)
  })

  it("wakes the readers waiting on a queue when a message arrives there, and only them", () => {
    const store = new MessageStore({ host: "127.0.0.1", port: 10911 })
    const woken: Array<string> = []
    const stop = store.onArrival("A", 1, () => woken.push("A1"))
    store.onArrival("A", 2, () => woken.push("A2"))
    store.append(message("A", 1, "x"), 1)
    expect(woken).toEqual(["A1"])
    stop()
    store.append(message("A", 1, "y"), 2)
    expect(woken).toEqual(["A1"])
    expect(store.maxOffset("A", 2)).toBe(0)
  })
})
