import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import type { MessageQueue } from "../../src/protocol/MessageQueue.js"
import {
  type BatchOutcome,
  checkHistory,
  committedOffsetsSound,
  duplicates,
  everyAcknowledgedConsumed,
  Fault,
  type FaultSchedule,
  formatSchedule,
  type History,
  HistoryEvent,
  offsetRegressions,
  orderlyPerQueueOrder,
  scheduleArbitrary,
  timeline,
  TimelineAction,
  Violation
} from "../../src/services/Simulation.js"

const topic = "SimOrders"
const q0: MessageQueue = { topic, brokerName: "broker-a", queueId: 0 }
const q1: MessageQueue = { topic, brokerName: "broker-b", queueId: 0 }
const retry: MessageQueue = { topic: "%RETRY%sim_consumer", brokerName: "broker-a", queueId: 0 }

/** A small builder of histories: batches numbered in the order they are delivered. */
const builder = (orderly = false) => {
  const events: Array<HistoryEvent> = []
  let batch = 0
  const key = (queue: MessageQueue, offset: number) => `${queue.brokerName}-${offset}`
  return {
    ack: (queue: MessageQueue, offset: number, k = key(queue, offset)) =>
      events.push(HistoryEvent.Acknowledged({ producer: 0, sequence: offset, key: k, queue, offset, at: 0 })),
    deliver: (consumer: string, queue: MessageQueue, offsets: ReadonlyArray<number>, keys?: ReadonlyArray<string>) => {
      const id = batch++
      events.push(HistoryEvent.Delivered({
        consumer,
        batch: id,
        orderly,
        queue,
        messages: offsets.map((offset, i) => ({ offset, key: keys?.[i] ?? key(queue, offset), reconsumeTimes: 0 })),
        at: 0
      }))
      return id
    },
    complete: (consumer: string, id: number, outcome: BatchOutcome = "CONSUME_SUCCESS") =>
      events.push(HistoryEvent.Completed({ consumer, batch: id, outcome, at: 0 })),
    consume(consumer: string, queue: MessageQueue, offsets: ReadonlyArray<number>, outcome?: BatchOutcome) {
      this.complete(consumer, this.deliver(consumer, queue, offsets), outcome)
    },
    offset: (queue: MessageQueue, offset: number) => events.push(HistoryEvent.OffsetRead({ queue, offset, at: 0 })),
    history: (): History => ({ topic, events: [...events] })
  }
}

describe("timeline", () => {
  it("plays each fault's start and, for faults that last, its end, in time order", () => {
    const schedule: FaultSchedule = {
      faults: [
        { atMillis: 300, fault: Fault.CutClient({ client: { role: "producer", index: 0 } }) },
        { atMillis: 100, fault: Fault.BrokerDown({ broker: 1, downForMillis: 150 }) },
        { atMillis: 200, fault: Fault.ConsumerJoins({ staysForMillis: 500 }) }
      ]
    }
    expect(timeline(schedule).map((s) => [s.atMillis, s.action._tag])).toEqual([
      [100, "Begin"],
      [200, "Begin"],
      [250, "StartBroker"],
      [300, "Begin"],
      [700, "JoinerLeaves"]
    ])
    // The joiner is known by its fault's place in the schedule.
    expect(timeline(schedule).at(-1)!.action).toMatchObject({ _tag: "JoinerLeaves", index: 2 })
  })

  it("property: one start per fault, one end per lasting fault, never before its start, in time order", () =>
    FastCheck.assert(
      FastCheck.property(
        scheduleArbitrary({
          brokers: 2,
          producers: 2,
          consumers: 2,
          spanMillis: 1000,
          maxFaults: 8,
          kinds: [
            "BrokerDown",
            "NameServerDown",
            "Latency",
            "FailRequests",
            "CutClient",
            "ConsumerJoins",
            "ConsumerClosesMidBatch"
          ]
        }),
        (schedule) => {
          const steps = timeline(schedule)
          const lasting = schedule.faults.filter((f) => !["FailRequests", "CutClient"].includes(f.fault._tag)).length
          expect(steps.filter((s) => s.action._tag === "Begin").length).toBe(schedule.faults.length)
          expect(steps.length).toBe(schedule.faults.length + lasting)
          steps.forEach((s, i) => expect(s.atMillis).toBeGreaterThanOrEqual(i === 0 ? 0 : steps[i - 1]!.atMillis))
          const begins = new Map(
            steps.flatMap((s, i) => s.action._tag === "Begin" ? [[s.action.index, i] as const] : [])
          )
          steps.forEach((s, i) => {
            if (s.action._tag === "JoinerLeaves") expect(begins.get(s.action.index)!).toBeLessThan(i)
          })
        }
      )
    ))
})

describe("every acknowledged message consumed", () => {
  it("a message acknowledged but never consumed with success is lost; a retry's success counts", () => {
    const h = builder()
    h.ack(q0, 0)
    h.ack(q0, 1)
    h.ack(q0, 2)
    h.consume("c0#0", q0, [0])
    h.consume("c0#0", q0, [1], "RECONSUME_LATER")
    h.complete("c0#0", h.deliver("c0#0", retry, [0], ["broker-a-1"])) // message 1 again, from the retry topic
    h.consume("c1#0", q0, [2])
    expect(everyAcknowledgedConsumed(h.history())).toEqual([])
  })

  it("finds exactly the messages whose consumption never succeeded", () => {
    const h = builder()
    h.ack(q0, 0)
    h.ack(q0, 1)
    h.consume("c0#0", q0, [0], "FAILED")
    h.consume("c0#0", q0, [1], "INTERRUPTED")
    h.consume("c0#1", retry, [7], "CONSUME_SUCCESS")
    expect(everyAcknowledgedConsumed(h.history())).toEqual([
      Violation.Lost({ key: "broker-a-0", producer: 0, sequence: 0 }),
      Violation.Lost({ key: "broker-a-1", producer: 0, sequence: 1 })
    ])
  })

  it("property: exactly the acknowledged messages left out of the successful batches are reported", () =>
    FastCheck.assert(FastCheck.property(
      FastCheck.uniqueArray(FastCheck.nat(50), { minLength: 1, maxLength: 30 }),
      FastCheck.func(FastCheck.boolean()),
      (offsets, consumed) => {
        const h = builder()
        offsets.forEach((o) => h.ack(q0, o))
        offsets.forEach((o) => h.consume("c0#0", q0, [o], consumed(o) ? "CONSUME_SUCCESS" : "RECONSUME_LATER"))
        const lost = everyAcknowledgedConsumed(h.history()).map((v) => v._tag === "Lost" ? v.sequence : -1)
        expect(lost).toEqual(offsets.filter((o) => !consumed(o)))
      }
    )))
})

describe("orderly per-queue order", () => {
  it("in order, a redelivery after a restart from the committed offset, and a suspended batch again: no violation", () => {
    const h = builder(true)
    h.consume("c0#0", q0, [0])
    h.consume("c0#0", q0, [1])
    h.consume("c1#0", q1, [0]) // queues are apart
    h.consume("c0#0", q0, [2], "RECONSUME_LATER") // suspended: delivered again
    h.consume("c0#0", q0, [2])
    h.complete("c0#0", h.deliver("c0#0", q0, [3, 4]), "INTERRUPTED") // closed mid-batch
    h.consume("c0#1", q0, [1]) // restarted from an older committed offset: 1 again
    h.consume("c0#1", q0, [2])
    h.consume("c0#1", q0, [3, 4])
    expect(orderlyPerQueueOrder(h.history())).toEqual([])
  })

  it("a message handed over before an earlier one was consumed, or a batch out of order, is a violation", () => {
    const h = builder(true)
    h.consume("c0#0", q0, [0])
    h.consume("c0#0", q0, [2]) // 1 skipped
    h.consume("c0#0", q0, [1])
    h.complete("c0#0", h.deliver("c0#0", q0, [2, 1]), "INTERRUPTED")
    h.complete("c0#0", h.deliver("c0#0", q0, [3]), "RECONSUME_LATER")
    h.consume("c1#0", q0, [4]) // 3 was suspended, never consumed
    expect(orderlyPerQueueOrder(h.history())).toEqual([
      Violation.OutOfOrder({ consumer: "c0#0", queue: "SimOrders@broker-a#0", offsets: [2], consumedUpTo: 1 }),
      Violation.OutOfOrder({ consumer: "c0#0", queue: "SimOrders@broker-a#0", offsets: [2, 1], consumedUpTo: 3 }),
      Violation.OutOfOrder({ consumer: "c1#0", queue: "SimOrders@broker-a#0", offsets: [4], consumedUpTo: 3 })
    ])
  })

  it("concurrent consumers and other topics are not held to it", () => {
    const h = builder(false)
    h.consume("c0#0", q0, [5])
    h.consume("c0#0", retry, [3])
    expect(orderlyPerQueueOrder(h.history())).toEqual([])
  })

  it("property: in-order consumption with restarts going back to any consumed offset breaks nothing", () =>
    FastCheck.assert(FastCheck.property(
      FastCheck.array(FastCheck.nat(100), { maxLength: 6 }),
      (restarts) => {
        const h = builder(true)
        let next = 0
        for (const [i, back] of [...restarts, 0].entries()) {
          for (let o = Math.min(back, next); o < next + 5; o++) {
            h.consume(`c0#${i}`, q0, [o])
          }
          next += 5
        }
        expect(orderlyPerQueueOrder(h.history())).toEqual([])
      }
    )))

  it("property: one skipped offset is always found", () =>
    FastCheck.assert(FastCheck.property(
      FastCheck.integer({ min: 2, max: 30 }),
      FastCheck.nat(),
      (count, skip) => {
        const h = builder(true)
        const skipped = 1 + skip % (count - 1)
        for (let o = 0; o < count; o++) if (o !== skipped) h.consume("c0#0", q0, [o])
        expect(orderlyPerQueueOrder(h.history()).length).toBe(skipped === count - 1 ? 0 : count - 1 - skipped)
      }
    )))
})

describe("committed offsets", () => {
  it("an offset up to what was consumed, never lower than before: no violation", () => {
    const h = builder()
    h.offset(q0, 0)
    h.consume("c0#0", q0, [0, 1])
    h.offset(q0, 2)
    h.consume("c0#0", q0, [2], "RECONSUME_LATER") // sent back: concurrent consumption moves past it
    h.offset(q0, 3)
    h.offset(q1, 0)
    expect(committedOffsetsSound(h.history())).toEqual([])
  })

  it("an offset past an unfinished (interrupted) message, or lower than before, is a violation", () => {
    const h = builder()
    h.consume("c0#0", q0, [0])
    h.complete("c0#0", h.deliver("c0#0", q0, [1]), "INTERRUPTED")
    h.consume("c0#0", q0, [2])
    h.offset(q0, 3)
    h.offset(q0, 1)
    expect(committedOffsetsSound(h.history())).toEqual([
      Violation.OffsetWentBack({ queue: "SimOrders@broker-a#0", from: 3, to: 1 }), // one consumer start only
      Violation.OffsetPassedUnconsumed({ queue: "SimOrders@broker-a#0", offset: 3, consumedUpTo: 1 })
    ])
  })

  it("an offset set back once the queue changed hands is counted, not a violation (the rebalance race)", () => {
    const h = builder()
    h.consume("c0#0", q0, [0, 1, 2, 3])
    h.offset(q0, 4)
    h.consume("c1#0", q0, [0]) // the new holder read the offset before the old holder persisted 4
    h.offset(q0, 0)
    h.consume("c1#0", q0, [1, 2, 3, 4])
    h.offset(q0, 5)
    expect(committedOffsetsSound(h.history())).toEqual([])
    expect(offsetRegressions(h.history())).toBe(1)
    expect(checkHistory(h.history(), { fibersLeft: 0, socketsLeft: 0 }).offsetRegressions).toBe(1)
  })

  it("an offset set back after a step that moves queues (a consumer joining) is counted, not a violation", () => {
    const h = builder()
    h.consume("c0#0", q0, [0, 1])
    h.offset(q0, 2)
    const joined = HistoryEvent.Step({
      action: TimelineAction.Begin({ fault: Fault.ConsumerJoins({ staysForMillis: 50 }), index: 0 }),
      applied: true,
      at: 0
    })
    const events = [...h.history().events, joined, HistoryEvent.OffsetRead({ queue: q0, offset: 0, at: 0 })]
    expect(committedOffsetsSound({ topic, events })).toEqual([])
    expect(offsetRegressions({ topic, events })).toBe(1)
  })

  it("for orderly consumers only a success finishes a message", () => {
    const h = builder(true)
    h.consume("c0#0", q0, [0], "RECONSUME_LATER")
    h.offset(q0, 1)
    expect(committedOffsetsSound(h.history())).toEqual([
      Violation.OffsetPassedUnconsumed({ queue: "SimOrders@broker-a#0", offset: 1, consumedUpTo: 0 })
    ])
  })

  it("property: offsets read as the consumed prefix, consumed in any order, are sound", () =>
    FastCheck.assert(FastCheck.property(
      FastCheck.integer({ min: 1, max: 30 }).chain((n) =>
        FastCheck.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n })
      ),
      (order) => {
        const h = builder()
        const done = new Set<number>()
        let prefix = 0
        for (const o of order) {
          h.consume("c0#0", q0, [o])
          done.add(o)
          while (done.has(prefix)) prefix++
          h.offset(q0, prefix)
        }
        expect(committedOffsetsSound(h.history())).toEqual([])
      }
    )))
})

describe("duplicates and the report", () => {
  it("duplicates are counted, not violations; fibers and sockets left are", () => {
    const h = builder()
    h.ack(q0, 0)
    h.consume("c0#0", q0, [0])
    h.consume("c1#0", q0, [0])
    h.consume("c1#0", q0, [0])
    expect(duplicates(h.history())).toEqual({ keys: 1, extraDeliveries: 2 })
    const report = checkHistory(h.history(), { fibersLeft: 3, socketsLeft: 2 })
    expect(report).toMatchObject({ acknowledged: 1, consumed: 1, duplicateKeys: 1, extraDeliveries: 2 })
    expect(report.violations).toEqual([Violation.FibersLeft({ count: 3 }), Violation.SocketsLeft({ count: 2 })])
    expect(checkHistory(h.history(), { fibersLeft: 0, socketsLeft: 0 }).violations).toEqual([])
  })
})

describe("schedules", () => {
  it("a failing property shrinks to a small schedule, printed one fault a line", () => {
    const details = FastCheck.check(
      FastCheck.property(
        scheduleArbitrary({
          brokers: 2,
          producers: 2,
          consumers: 2,
          spanMillis: 1000,
          maxFaults: 6,
          kinds: ["BrokerDown", "Latency", "CutClient"]
        }),
        // Fails whenever broker-b is down for more than 200 ms.
        (s) =>
          !s.faults.some((f) => f.fault._tag === "BrokerDown" && f.fault.broker === 1 && f.fault.downForMillis > 200)
      ),
      { seed: 7 }
    )
    expect(details.failed).toBe(true)
    expect(formatSchedule(details.counterexample![0])).toBe("+0ms BrokerDown(broker=1, downForMillis=201)")
    expect(formatSchedule({ faults: [] })).toBe("(no faults)")
    expect(formatSchedule({
      faults: [{ atMillis: 5, fault: Fault.CutClient({ client: { role: "consumer", index: 1 } }) }]
    })).toBe("+5ms CutClient(client=consumer:1)")
  })
})
