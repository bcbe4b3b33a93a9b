import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import {
  encodeGetConsumerStatusBody,
  parseGetConsumerStatusBody
} from "../../src/protocol/bodies/GetConsumerStatusBody.js"
import { messageQueueKey } from "../../src/protocol/MessageQueue.js"

describe("the GET_CONSUMER_STATUS_FROM_CLIENT body", () => {
  it("is written as Java's fastjson writes GetConsumerStatusBody: fields in name order, queue objects as keys", () => {
    const body = encodeGetConsumerStatusBody([
      [{ topic: "Orders", brokerName: "broker-a", queueId: 0 }, 12],
      [{ topic: "Orders", brokerName: "broker-b", queueId: 3 }, 0]
    ])
    expect(body.toString("utf8")).toBe(
      "{\"consumerTable\":{},\"messageQueueTable\":{" +
        "{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"Orders\"}:12," +
        "{\"brokerName\":\"broker-b\",\"queueId\":3,\"topic\":\"Orders\"}:0}}"
    )
    expect(encodeGetConsumerStatusBody([]).toString("utf8")).toBe("{\"consumerTable\":{},\"messageQueueTable\":{}}")
  })

  it("reads a body as a 4.9 Java client answers it", () => {
    const java = "{\"consumerTable\":{},\"messageQueueTable\":{{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":" +
      "\"TopicTest\"}:250}}"
    expect(Either.getOrThrow(parseGetConsumerStatusBody(Buffer.from(java)))).toEqual([
      [{ brokerName: "broker-a", queueId: 1, topic: "TopicTest" }, 250]
    ])
  })

  const queue = fc.record({
    topic: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,20}$/),
    brokerName: fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/),
    queueId: fc.nat(1023)
  })
  it.prop(
    "what is written reads back the same",
    [fc.uniqueArray(fc.tuple(queue, fc.maxSafeNat()), { selector: ([q]) => messageQueueKey(q), maxLength: 16 })],
    ([entries]) => {
      const read = Either.getOrThrow(parseGetConsumerStatusBody(encodeGetConsumerStatusBody(entries)))
      expect(read).toEqual(
        entries.map(([q, o]) => [{ brokerName: q.brokerName, queueId: q.queueId, topic: q.topic }, o])
      )
    }
  )
})
