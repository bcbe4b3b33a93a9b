import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { POP_DELAY_LEVELS, popRetry } from "../../../src/layers/consumer/PopLoop.js"
import { allocate4Pop } from "../../../src/layers/embedded/QueryAssignmentProcessor.js"
import { averagely } from "../../../src/services/AllocateMessageQueue.js"

describe("the back-off of a failed popped message (Java's popDelayLevel)", () => {
  it("the first failures wait 10 s, 30 s, 1 min, then longer up to 2 h", () => {
    expect([0, 1, 2, 3, 15, 40].map((n) => popRetry(n, 1000, 0))).toEqual(
      [10, 30, 60, 120, 7200, 7200].map((s) => ({ kind: "invisible", millis: s * 1000 }))
    )
  })

  it.prop(
    "below the maximum the wait grows with the reconsume times, within the ladder",
    [fc.nat(30), fc.nat(30)],
    ([a, b]) => {
      const wait = (n: number) => {
        const r = popRetry(n, 31, 0)
        return r.kind === "invisible" ? r.millis : -1
      }
      if (a <= b) expect(wait(a)).toBeLessThanOrEqual(wait(b))
      expect(POP_DELAY_LEVELS.map((s) => s * 1000)).toContain(wait(a))
    }
  )

  it.prop("past the maximum a message older than twice the last step is acked, a younger one waits past its age", [
    fc.nat({ max: 4 * 7200 * 1000 })
  ], ([age]) => {
    const r = popRetry(16, 16, age)
    if (age > 2 * 7200 * 1000) expect(r.kind).toBe("ack")
    else {
      expect(r.kind).toBe("invisible")
      if (r.kind === "invisible" && age < 7200 * 1000) expect(r.millis).toBeGreaterThan(age)
    }
  })
})

describe("the broker's POP allocation (allocate4Pop)", () => {
  const queues = Array.from({ length: 8 }, (_, i) => ({ topic: "T", brokerName: i < 4 ? "a" : "b", queueId: i % 4 }))
  it("without sharing, every consumer pops every queue of each broker (queue id -1)", () => {
    expect(allocate4Pop(averagely, "c1", queues, ["c1", "c2"], 0)).toEqual([
      { topic: "T", brokerName: "a", queueId: -1 },
      { topic: "T", brokerName: "b", queueId: -1 }
    ])
  })

  it.prop("with sharing, every queue is popped by someone and each consumer by its own share and the next ones'", [
    fc.integer({ min: 3, max: 8 }),
    fc.integer({ min: 1, max: 6 })
  ], ([consumers, share]) => {
    const cids = Array.from({ length: consumers }, (_, i) => `c${i}`)
    const all = cids.flatMap((c) => allocate4Pop(averagely, c, queues, cids, share))
    const keys = new Set(all.map((q) => `${q.brokerName}${q.queueId}`))
    const shared = share < consumers - 1
    // Shared: each consumer's own queues and its neighbours'; else each pops whole brokers (queue id -1).
    expect(keys.size).toBe(shared ? 8 : 2)
    expect(all.every((q) => (q.queueId >= 0) === shared)).toBe(true)
  })
})
