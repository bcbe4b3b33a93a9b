// `npm start`: the main program. Until the client instance, producer and consumer land (issues 5-7), it shows
// the codec at work: it builds a SEND_MESSAGE_V2 request and a pull response as a 4.9.8 broker would, puts them on
// a simulated byte stream cut into small chunks, splits and decodes them, and prints what the inspector sees.
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import * as P from "../protocol/index.js"

const program = Effect.gen(function*() {
  const now = Date.now()
  const ids = new P.UniqueIdGenerator({ ip: P.ipToBytes("127.0.0.1")!, pid: process.pid, salt: 42 })
  const properties = { KEYS: "order-1", TAGS: "TagA", UNIQ_KEY: ids.next(now), WAIT: "true" }
  const send = P.request(
    P.RequestCode.SEND_MESSAGE_V2,
    yield* P.encodeHeader(P.SendMessageRequestHeaderV2, {
      producerGroup: "demo_producer",
      topic: "DemoTopic",
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId: 0,
      sysFlag: 0,
      bornTimestamp: now,
      flag: 0,
      properties: P.propertiesToString(properties),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      brokerName: "broker-a"
    }),
    { opaque: 1, body: Buffer.from("hello from effect-rocketmq") }
  )
  const record = yield* P.encodeMessageRecord({
    topic: "DemoTopic",
    flag: 0,
    properties,
    body: Buffer.from("hello from effect-rocketmq"),
    queueId: 0,
    queueOffset: 0,
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: { host: "127.0.0.1", port: 50000 },
    storeTimestamp: now + 1,
    storeHost: { host: "127.0.0.1", port: 10911 },
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0
  })
  const pulled = P.response(P.request(P.RequestCode.PULL_MESSAGE, {}, { opaque: 2 }), P.ResponseCode.SUCCESS, {
    remark: "FOUND",
    extFields: { suggestWhichBrokerId: "0", nextBeginOffset: "1", minOffset: "0", maxOffset: "1" },
    body: record
  })
  const stream = Buffer.concat([P.encodeCommand(send), P.encodeCommand(pulled)])
  const splitter = new P.FrameSplitter()
  for (let at = 0; at < stream.length; at += 7) {
    for (const frame of yield* splitter.push(stream.subarray(at, at + 7))) {
      yield* Console.log(JSON.stringify(P.inspectCommand(yield* P.decodeFrame(frame)), null, 2))
    }
  }
  yield* Console.log(`Decoded ${stream.length} bytes fed in 7-byte chunks. Producing to and consuming from a cluster`)
  yield* Console.log("arrives with the client instance; see README.md for what works today.")
})

NodeRuntime.runMain(program)
