import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { ProcessQueue } from "../../src/services/ProcessQueue.js"

const message = (queueOffset: number, size = 10): MessageExt => ({
  topic: "T",
  flag: 0,
  properties: {},
  body: new Uint8Array(size),
  queueId: 0,
  storeSize: 0,
  queueOffset,
  sysFlag: 0,
  bornTimestamp: 0,
  bornHost: { address: "127.0.0.1", port: 1 },
  storeTimestamp: 0,
  storeHost: { address: "127.0.0.1", port: 2 },
  commitLogOffset: queueOffset * 100,
  bodyCRC: 0,
  reconsumeTimes: 0,
  preparedTransactionOffset: 0,
  magicCode: 0,
  msgId: String(queueOffset),
  offsetMsgId: String(queueOffset)
} as unknown as MessageExt)

/** Pulls of consecutive offsets from `start`, then acks in an arbitrary order. */
const scenario = fc.record({
  start: fc.nat(1000),
  pulls: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }),
  seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 })
})

describe("the process queue", () => {
  it.prop("the offset to commit is the smallest not yet consumed, or the next one when all are", [scenario], ([s]) => {
    const pq = new ProcessQueue()
    let next = s.start
    const pulled: Array<MessageExt> = []
    for (const n of s.pulls) {
      const batch = Array.from({ length: n }, (_, i) => message(next + i))
      next += n
      pq.putMessages(batch)
      pulled.push(...batch)
    }
    // Ack in a shuffled order; after each ack the commit offset must be min(outstanding) or `next`.
    const order = [...pulled].sort((a, b) => (s.seed[a.queueOffset % 64]! - s.seed[b.queueOffset % 64]!))
    const outstanding = new Set(pulled.map((m) => m.queueOffset))
    let lastCommitted = -1
    for (const m of order) {
      const offset = pq.removeMessages([m])
      outstanding.delete(m.queueOffset)
      const expected = outstanding.size === 0 ? next : Math.min(...outstanding)
      expect(offset).toBe(expected)
      expect(offset).toBeGreaterThanOrEqual(lastCommitted) // never backwards
      lastCommitted = offset
    }
    expect(pq.count).toBe(0)
    expect(pq.bodyBytes).toBe(0)
    expect(pq.removeMessages([message(next)])).toBe(-1) // nothing cached: nothing to commit
  })

  it.prop("orderly: takes come in offset order; commit answers one past the last taken", [scenario], ([s]) => {
    const pq = new ProcessQueue()
    let next = s.start
    for (const n of s.pulls) {
      pq.putMessages(Array.from({ length: n }, (_, i) => message(next + i)))
      next += n
    }
    let expectedNext = s.start
    let round = 0
    for (;;) {
      const batch = pq.takeMessages(1 + (s.seed[round++ % 64]! % 4))
      if (batch.length === 0) break
      expect(batch.map((m) => m.queueOffset)).toEqual(batch.map((_, i) => expectedNext + i))
      if (s.seed[round % 64]! % 3 === 0) {
        // Suspended: the batch goes back and comes out first again.
        pq.makeMessagesToConsumeAgain(batch.map((m) => ({ ...m, reconsumeTimes: m.reconsumeTimes + 1 })))
        const again = pq.takeMessages(batch.length)
        expect(again.map((m) => m.queueOffset)).toEqual(batch.map((m) => m.queueOffset))
        expect(again.every((m) => m.reconsumeTimes === 1)).toBe(true)
      }
      expectedNext += batch.length
      expect(pq.commit()).toBe(expectedNext)
    }
    expect(expectedNext).toBe(next)
    expect(pq.consuming).toBe(false)
    expect(pq.count).toBe(0)
  })

  it.prop(
    "against a model: any mix of pulls, acks, takes, put-backs and commits keeps the cache in offset order",
    [fc.array(
      fc.oneof(
        fc.record({ op: fc.constant("pull" as const), from: fc.nat(600), n: fc.integer({ min: 1, max: 120 }) }),
        fc.record({ op: fc.constant("ack" as const), pick: fc.array(fc.nat(), { maxLength: 150 }) }),
        fc.record({ op: fc.constant("take" as const), n: fc.integer({ min: 1, max: 40 }) }),
        fc.record({ op: fc.constant("again" as const) }),
        fc.record({ op: fc.constant("commit" as const) })
      ),
      { maxLength: 40 }
    )],
    ([ops]) => {
      const pq = new ProcessQueue()
      // The model: cached offsets, taken (orderly) offsets, the largest ever put in.
      const cached = new Set<number>()
      const taken = new Set<number>()
      let max = -1
      for (const o of ops) {
        if (o.op === "pull") {
          const batch = Array.from({ length: o.n }, (_, i) => message(o.from + i))
          pq.putMessages(batch)
          // As Java's `putMessage`: an offset being consumed orderly, pulled again (an offset reset), is cached again.
          for (const m of batch) {
            cached.add(m.queueOffset)
            max = Math.max(max, m.queueOffset)
          }
        } else if (o.op === "ack") {
          const sorted = [...cached].sort((a, b) => a - b)
          const acked = o.pick.map((i) => sorted[i % Math.max(1, sorted.length)]).filter((x) => x !== undefined)
          const answer = pq.removeMessages(acked.map((offset) => message(offset)))
          const hadAny = cached.size > 0
          for (const offset of acked) cached.delete(offset)
          const expected = !hadAny ? -1 : cached.size === 0 ? max + 1 : Math.min(...cached)
          expect(answer).toBe(expected)
        } else if (o.op === "take") {
          const got = pq.takeMessages(o.n).map((m) => m.queueOffset)
          const expected = [...cached].sort((a, b) => a - b).slice(0, o.n)
          expect(got).toEqual(expected)
          for (const offset of got) {
            cached.delete(offset)
            taken.add(offset)
          }
        } else if (o.op === "again") {
          pq.makeMessagesToConsumeAgain([...taken].map((offset) => message(offset)))
          for (const offset of taken) cached.add(offset)
          taken.clear()
        } else {
          const expected = taken.size === 0 ? -1 : Math.max(...taken) + 1
          expect(pq.commit()).toBe(expected)
          taken.clear()
        }
        const order = [...cached].sort((a, b) => a - b)
        expect(pq.messages().map((m) => m.queueOffset)).toEqual(order)
        expect(pq.count).toBe(cached.size + taken.size)
        expect(pq.cachedRange).toEqual({ min: order[0] ?? -1, max: order.at(-1) ?? -1 })
        expect(pq.maxSpan).toBe(order.length === 0 ? 0 : order.at(-1)! - order[0]!)
      }
    }
  )

  it("a cache that never empties (a long backlog) keeps its offsets bounded, consumed concurrently or orderly", () => {
    const pq = new ProcessQueue()
    let next = 0
    pq.putMessages(Array.from({ length: 1000 }, () => message(next++)))
    for (let round = 0; round < 3000; round++) {
      // A pull of 32 at the end, 32 consumed from the front: in order (concurrent) or taken and committed (orderly).
      pq.putMessages(Array.from({ length: 32 }, () => message(next++)))
      if (round % 2 === 0) pq.removeMessages(pq.messages().slice(0, 32))
      else {
        pq.takeMessages(32)
        pq.commit()
      }
      expect(pq.count).toBe(1000)
      expect(pq.offsetsKept).toBeLessThanOrEqual(3 * 1000 + 64)
    }
    expect(pq.messages()[0]!.queueOffset).toBe(next - 1000)
  })

  it("reports span and size for flow control, and only dispatches orderly work when idle", () => {
    const pq = new ProcessQueue()
    expect(pq.putMessages([message(5, 100), message(9, 50)])).toBe(true)
    expect(pq.putMessages([message(12, 1)])).toBe(false) // already consuming
    expect(pq.maxSpan).toBe(7)
    expect(pq.bodyBytes).toBe(151)
    expect(pq.cachedRange).toEqual({ min: 5, max: 12 })
    expect(pq.putMessages([message(9, 50)])).toBe(false) // a duplicate offset is not cached twice
    expect(pq.count).toBe(3)
  })
})
