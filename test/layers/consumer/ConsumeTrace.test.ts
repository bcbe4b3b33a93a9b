import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { type ConsumeTracer, subAfter, subBefore } from "../../../src/layers/consumer/ConsumeTrace.js"
import { tracedMessage, tracePub } from "../../../src/layers/producer/SendTrace.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import { UniqueIdGenerator } from "../../../src/protocol/MessageId.js"
import { request, response } from "../../../src/protocol/RemotingCommand.js"
import type { TraceRecord } from "../../../src/protocol/TraceData.js"

const appended: Array<{ topic: string; records: ReadonlyArray<TraceRecord> }> = []
const dispatcher = {
  append: (topic: string, records: ReadonlyArray<TraceRecord>) =>
    Effect.sync(() => (appended.push({ topic, records }), true)),
  flush: Effect.void
}
const tracer: ConsumeTracer = {
  dispatcher,
  traceTopic: "RMQ_SYS_TRACE_TOPIC",
  group: "g",
  requestIds: new UniqueIdGenerator({ ip: new Uint8Array([10, 0, 0, 7]), pid: 1, salt: 2 }),
  consumeTimeoutMillis: 15 * 60_000
}

const message = (msgId: string, properties: Record<string, string> = {}) =>
  ({ msgId, reconsumeTimes: 1, properties }) as unknown as MessageExt

describe("the consume trace hooks (Java: ConsumeMessageTraceHookImpl)", () => {
  it("SubBefore: one record per message the broker did not turn trace off for, one request id, the last region", () => {
    const before = subBefore(tracer, [
      message("a", { KEYS: "k", MSG_REGION: "R1" }),
      message("b", { TRACE_ON: "false", MSG_REGION: "R2" }),
      message("c", { MSG_REGION: "R3" })
    ], 1000)!
    expect(before.map((r) => [r.msgId, r.keys, r.regionId, r.retryTimes, r.timeStamp])).toEqual([
      ["a", "k", "R3", 1, 1000],
      ["c", undefined, "R3", 1, 1000]
    ])
    expect(new Set(before.map((r) => r.requestId)).size).toBe(1)
    expect(subBefore(tracer, [message("x", { TRACE_ON: "false" })], 1000)).toBeUndefined()
  })

  it("SubAfter: the batch's time over its size (integer division), Java's return type for each outcome", () => {
    const before = subBefore(tracer, [message("a"), message("b"), message("c")], 1000)!
    const after = (exit: Exit.Exit<"CONSUME_SUCCESS" | "RECONSUME_LATER", unknown>, now: number) =>
      subAfter(tracer, before, 3, exit, now).map((r) => [r.costTime, r.success, r.contextCode])
    expect(after(Exit.succeed("CONSUME_SUCCESS"), 1010)).toEqual([[3, true, 0], [3, true, 0], [3, true, 0]])
    expect(after(Exit.succeed("RECONSUME_LATER"), 1002)[0]).toEqual([0, false, 4])
    expect(after(Exit.failCause(Cause.fail("boom")), 1000)[0]).toEqual([0, false, 2])
    // Returned past the consume timeout, even with success: TIME_OUT.
    expect(after(Exit.succeed("CONSUME_SUCCESS"), 1000 + 15 * 60_000)[0]).toEqual([300_000, true, 1])
  })
})

describe("the send trace hook (Java: SendMessageTraceHookImpl)", () => {
  const sendTracer = {
    dispatcher,
    traceTopic: "RMQ_SYS_TRACE_TOPIC",
    group: "p",
    clock: { unsafeCurrentTimeMillis: () => 1005 } as never
  }
  const result = {
    sendStatus: "SEND_OK" as const,
    msgId: "ID",
    offsetMsgId: "OFF",
    messageQueue: { topic: "Orders", brokerName: "b", queueId: 0 },
    queueOffset: 0
  }
  const sent = (extFields: Record<string, string>) => ({
    address: "127.0.0.1:10911",
    started: 1000,
    request: request(310, {}, { body: Buffer.from("12345") }),
    answer: response(request(310, {}), 0, { extFields }),
    result
  })

  it("records nothing for the trace topic itself, nor when the broker's answer has no region or trace is off there", () => {
    expect(tracedMessage(sendTracer, { topic: "RMQ_SYS_TRACE_TOPIC", body: Buffer.from("x") }, "RMQ_SYS_TRACE_TOPIC"))
      .toBeUndefined()
    expect(tracedMessage(undefined, { topic: "Orders", body: Buffer.from("x") }, "Orders")).toBeUndefined()
    const traced = tracedMessage(
      sendTracer,
      { topic: "Orders", body: Buffer.from("x"), delayTimeLevel: 2 },
      "Orders",
      true
    )!
    expect(traced.msgType).toBe("Delay_Msg") // Java checks the delay after the half-message flag
    expect(tracePub(sendTracer, traced, sent({}))).toBeUndefined()
    expect(tracePub(sendTracer, traced, sent({ MSG_REGION: "R", TRACE_ON: "false" }))).toBeUndefined()
  })

  it("a Pub carries the try's start and cost, the body as sent, the store host and the send's ids", () =>
    Effect.gen(function*() {
      appended.length = 0
      const traced = tracedMessage(sendTracer, { topic: "Orders", body: Buffer.from("x"), keys: ["a", "b"] }, "Orders")!
      yield* tracePub(sendTracer, traced, sent({ MSG_REGION: "R", TRACE_ON: "true" }))!
      expect(appended).toEqual([{
        topic: "RMQ_SYS_TRACE_TOPIC",
        records: [{
          _tag: "Pub",
          timeStamp: 1000,
          regionId: "R",
          groupName: "p",
          topic: "Orders",
          msgId: "ID",
          tags: undefined,
          keys: "a b",
          storeHost: "127.0.0.1:10911",
          bodyLength: 5,
          costTime: 5,
          msgType: "Normal_Msg",
          offsetMsgId: "OFF",
          success: true
        }]
      }])
    }).pipe(Effect.runSync))
})
