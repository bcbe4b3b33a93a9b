import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { compareMessageQueues, type MessageQueue } from "../../src/protocol/MessageQueue.js"
import {
  averagely,
  averagelyByCircle,
  byConfig,
  byMachineRoom,
  consistentHash
} from "../../src/services/AllocateMessageQueue.js"

const queuesOf = (brokers: number, perBroker: number): Array<MessageQueue> =>
  Array.from({ length: brokers * perBroker }, (_, i) => ({
    topic: "T",
    brokerName: `broker-${Math.floor(i / perBroker)}`,
    queueId: i % perBroker
  })).sort(compareMessageQueues)

const consumersOf = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i}@c${i}`).sort()

const inputs = fc.tuple(
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 1, max: 12 })
)

describe("queue allocation strategies", () => {
  it("averagely gives Java's blocks: 8 queues over 3 consumers are 3, 3, 2", () => {
    const mq = queuesOf(1, 8)
    const cids = consumersOf(3)
    expect(cids.map((c) => averagely.allocate(c, mq, cids).map((q) => q.queueId))).toEqual([[0, 1, 2], [3, 4, 5], [
      6,
      7
    ]])
    expect(cids.map((c) => averagelyByCircle.allocate(c, mq, cids).map((q) => q.queueId))).toEqual([[0, 3, 6], [
      1,
      4,
      7
    ], [2, 5]])
    expect(averagely.allocate("not-a-member", mq, cids)).toEqual([])
  })

  for (const strategy of [averagely, averagelyByCircle, consistentHash()]) {
    it.prop(
      `${strategy.name} assigns every queue to exactly one consumer, the same whoever computes it`,
      [inputs],
      ([[brokers, perBroker, consumers]]) => {
        const mq = queuesOf(brokers, perBroker)
        const cids = consumersOf(consumers)
        const owners = new Map<string, Array<string>>()
        for (const cid of cids) {
          for (const q of strategy.allocate(cid, mq, cids)) {
            const key = `${q.brokerName}#${q.queueId}`
            owners.set(key, [...(owners.get(key) ?? []), cid])
          }
        }
        expect(owners.size).toBe(mq.length)
        for (const who of owners.values()) expect(who).toHaveLength(1)
        for (const cid of cids) {
          expect(strategy.allocate(cid, mq, cids)).toEqual(strategy.allocate(cid, [...mq], [...cids]))
        }
      }
    )
  }

  it.prop("averagely's loads differ by at most one", [inputs], ([[brokers, perBroker, consumers]]) => {
    const mq = queuesOf(brokers, perBroker)
    const cids = consumersOf(consumers)
    const loads = cids.map((c) => averagely.allocate(c, mq, cids).length)
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1)
  })

  it.prop("with consistent hash, when a consumer leaves only its queues move", [
    inputs.filter(([, , c]) => c > 1),
    fc.nat()
  ], (
    [[brokers, perBroker, consumers], pick]
  ) => {
    const strategy = consistentHash()
    const mq = queuesOf(brokers, perBroker)
    const cids = consumersOf(consumers)
    const leaving = cids[pick % cids.length]!
    const staying = cids.filter((c) => c !== leaving)
    for (const cid of staying) {
      const before = strategy.allocate(cid, mq, cids)
      const after = strategy.allocate(cid, mq, staying)
      for (const q of before) expect(after).toContainEqual(q)
    }
  })

  it("consistent hash gives the Java ring's assignment (vector computed with the JDK's MD5 and TreeMap)", () => {
    const cids = ["10.0.0.0@c0", "10.0.0.1@c1", "10.0.0.2@c2"]
    const mq = queuesOf(2, 8)
    const strategy = consistentHash()
    const owners = mq.map((q) =>
      cids.find((c) =>
        strategy.allocate(c, mq, cids).some((x) => x.brokerName === q.brokerName && x.queueId === q.queueId)
      )!
        .slice(-2)
    )
    expect(owners.join(",")).toBe("c1,c1,c0,c2,c2,c1,c0,c0,c0,c0,c0,c0,c2,c2,c1,c0")
  })

  it("by config and by machine room give Java's answers", () => {
    const mine = [{ topic: "T", brokerName: "b", queueId: 3 }]
    expect(byConfig(mine).allocate("x", queuesOf(1, 4), ["x"])).toEqual(mine)
    const mq = ["hz@b1", "sh@b2"].flatMap((brokerName) =>
      [0, 1, 2].map((queueId) => ({ topic: "T", brokerName, queueId }))
    )
    const cids = ["c1", "c2"]
    const rooms = new Set(["hz"])
    expect(cids.map((c) => byMachineRoom(rooms).allocate(c, mq, cids).map((q) => `${q.brokerName}#${q.queueId}`)))
      .toEqual([
        ["hz@b1#0", "hz@b1#2"],
        ["hz@b1#1"]
      ])
  })
})
