import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Exit, Metric, MetricState, Scope, TestClock } from "effect"
import * as AsyncTraceDispatcher from "../../src/layers/trace/AsyncTraceDispatcher.js"
import { decodeTraceData, type TraceRecord } from "../../src/protocol/TraceData.js"
import type { Message } from "../../src/services/Message.js"
import type { ProducerService } from "../../src/services/Producer.js"
import { eventually, sleepsEndingIn } from "../support/Eventually.js"

const record = (i: number): TraceRecord => ({
  _tag: "SubBefore",
  timeStamp: i,
  regionId: undefined,
  groupName: "g",
  requestId: `req-${i}`,
  msgId: `id-${i}`,
  retryTimes: 0,
  keys: `key-${i}`
})

const dropped = Effect.map(Metric.snapshot, (pairs) =>
  pairs.reduce(
    (n, pair) =>
      pair.metricKey.name === "rocketmq_trace_dropped_records_total" && MetricState.isCounterState(pair.metricState)
        ? n + Number(pair.metricState.count)
        : n,
    0
  ))

/** An inner producer whose sends wait until `release` is done, recording what they were given. */
const heldProducer = (release: Deferred.Deferred<void>) => {
  const sent: Array<Message> = []
  let made = 0
  const producer: ProducerService = {
    group: "inner",
    // The typed overload is unused here: the dispatcher sends built messages only.
    send:
      ((message: Message) =>
        Effect.as(Effect.zipRight(Effect.sync(() => sent.push(message)), Deferred.await(release)), {
          sendStatus: "SEND_OK" as const,
          msgId: "",
          offsetMsgId: "",
          messageQueue: { topic: message.topic, brokerName: "b", queueId: 0 },
          queueOffset: 0
        })) as unknown as ProducerService["send"],
    sendBatch: () => Effect.die("unused"),
    sendInTransaction: () => Effect.die("unused"),
    sendOneway: () => Effect.die("unused"),
    request: () => Effect.die("unused")
  }
  return { sent, made: () => made, make: Effect.sync(() => (made++, producer)) }
}

const recordsSent = (sent: ReadonlyArray<Message>) =>
  sent.flatMap((m) => [...Either.getOrThrow(decodeTraceData(Buffer.from(m.body).toString("utf8")))])

describe("the trace dispatcher", () => {
  it.effect("a full queue drops records and counts them, never waiting; closing sends what was queued", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const inner = heldProducer(release)
      const scope = yield* Scope.make()
      const dispatcher = yield* Scope.extend(AsyncTraceDispatcher.make(inner.make), scope)
      expect(inner.made()).toBe(0) // no trace producer until a record goes
      // Ten topics due at once: ten sends, all held, so the dispatcher waits for a permit to send an eleventh.
      for (let t = 0; t < 11; t++) expect(yield* dispatcher.append(`Trace${t}`, [record(t)])).toBe(true)
      yield* eventually(Effect.map(sleepsEndingIn(500), (n) => n >= 1), { what: "the dispatcher waits 500 ms" })
      yield* TestClock.adjust("500 millis")
      yield* eventually(() => inner.sent.length === 10, { what: "ten trace messages in flight" })
      // The queue holds 1,024 contexts; what is appended beyond that is dropped at once, and counted.
      const droppedBefore = yield* dropped
      const accepted: Array<boolean> = []
      for (let i = 0; i < 1100; i++) accepted.push(yield* dispatcher.append("Trace0", [record(100 + i)]))
      expect(accepted.filter((a) => a).length).toBe(1024)
      expect(accepted.slice(1024).every((a) => !a)).toBe(true)
      expect((yield* dropped) - droppedBefore).toBe(76)
      // Closing: the held sends end, and every record queued is sent before the scope is closed.
      yield* Deferred.succeed(release, undefined)
      yield* Scope.close(scope, Exit.void)
      const records = recordsSent(inner.sent)
      expect(records.length).toBe(11 + 1024)
      expect(new Set(records.map((r) => r.msgId)).size).toBe(11 + 1024)
      expect(inner.made()).toBe(1)
    }))

  it.effect("a topic's records go as one message with their ids and keys; flush sends at once", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      yield* Deferred.succeed(release, undefined)
      const inner = heldProducer(release)
      const dispatcher = yield* AsyncTraceDispatcher.make(inner.make)
      yield* dispatcher.append("RMQ_SYS_TRACE_TOPIC", [record(1), record(2)])
      yield* dispatcher.append("RMQ_SYS_TRACE_TOPIC", [record(3)])
      yield* dispatcher.flush
      expect(inner.sent.map((m) => ({ topic: m.topic, keys: m.keys }))).toEqual([
        { topic: "RMQ_SYS_TRACE_TOPIC", keys: ["id-1", "key-1", "id-2", "key-2", "id-3", "key-3"] }
      ])
      expect(recordsSent(inner.sent)).toEqual([record(1), record(2), record(3)])
    }).pipe(Effect.scoped))

  it.effect("records go as soon as their text nears the 128,000-byte limit, without waiting 500 ms", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      yield* Deferred.succeed(release, undefined)
      const inner = heldProducer(release)
      const dispatcher = yield* AsyncTraceDispatcher.make(inner.make)
      const big = (i: number): TraceRecord => ({ ...record(i), groupName: "g".repeat(20_000) })
      for (let i = 0; i < 6; i++) yield* dispatcher.append("RMQ_SYS_TRACE_TOPIC", [big(i)])
      yield* eventually(() => inner.sent.length === 1, { what: "one trace message sent" })
      // 6 records of ~20 KB pass 118,000 (128,000 less Java's 10,000 margin).
      expect(recordsSent(inner.sent).length).toBe(6)
      expect(inner.sent[0]!.body.length).toBeLessThan(128_000)
    }).pipe(Effect.scoped))
})
