// Codec throughput: a SEND_MESSAGE_V2 request with a 1 KiB body and a pull response of 32 messages of 1 KiB,
// encoded and decoded by our codec and by ali-ons's (a pure-JavaScript RocketMQ client) doing the same work.
import * as MessageDecoderOns from "ali-ons/lib/message/message_decoder.js"
import RemotingCommandOns from "ali-ons/lib/protocol/command/remoting_command.js"
import ByteBuffer from "byte"
import * as Either from "effect/Either"
import * as P from "../src/protocol/index.js"
import { measure, measurePair, printTable } from "./harness.js"

const body = Buffer.alloc(1024, "x")
const properties = { KEYS: "order-42", TAGS: "TagA", UNIQ_KEY: "7F0000011C850000002A7A7590F70000", WAIT: "true" }
const now = 1795523350695

// --- SEND_MESSAGE_V2 -------------------------------------------------------------------------------------------
const encodeSendOurs = () =>
  P.encodeCommand(P.request(
    P.RequestCode.SEND_MESSAGE_V2,
    Either.getOrThrow(P.encodeHeader(P.SendMessageRequestHeaderV2, {
      producerGroup: "bench_producer",
      topic: "BenchTopic",
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId: 1,
      sysFlag: 0,
      bornTimestamp: now,
      flag: 0,
      properties: P.propertiesToString(properties),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false
    })),
    { opaque: 7, body }
  ))

const encodeSendOns = () => {
  const command = RemotingCommandOns.createRequestCommand(310, {
    a: "bench_producer",
    b: "BenchTopic",
    c: "TBW102",
    d: 4,
    e: 1,
    f: 0,
    g: now,
    h: 0,
    i: MessageDecoderOns.messageProperties2String(properties),
    j: 0,
    k: false,
    l: undefined
  })
  command.body = body
  return command.encode()
}

const sendFrame = encodeSendOurs()
const decodeSendOurs = () => {
  const command = Either.getOrThrow(P.decodeCommand(sendFrame))
  return Either.getOrThrow(P.decodeHeader(P.SendMessageRequestHeaderV2, command.extFields))
}
const decodeSendOns = () => RemotingCommandOns.decode(sendFrame).decodeCommandCustomHeader()

// --- PULL_MESSAGE response with 32 messages ---------------------------------------------------------------------
const records = Array.from({ length: 32 }, (_, i) => ({
  topic: "BenchTopic",
  flag: 0,
  properties: { ...properties, UNIQ_KEY: `7F0000011C850000002A7A7590F7${i.toString(16).padStart(4, "0")}` },
  body,
  queueId: 1,
  queueOffset: 1000 + i,
  sysFlag: 0,
  bornTimestamp: now,
  bornHost: { host: "127.0.0.1", port: 50000 },
  storeTimestamp: now + 1,
  storeHost: { host: "127.0.0.1", port: 10911 },
  commitLogOffset: 1_000_000 + i * 1200,
  bodyCRC: 12345,
  reconsumeTimes: 0,
  preparedTransactionOffset: 0
}))
const pullBody = Buffer.concat(records.map((r) => Either.getOrThrow(P.encodeMessageRecord(r))))
const pullExt = { suggestWhichBrokerId: "0", nextBeginOffset: "1032", minOffset: "0", maxOffset: "1032" }
const pullRequest = P.request(P.RequestCode.PULL_MESSAGE, {}, { opaque: 9 })

const encodePullFrameOurs = () =>
  P.encodeCommand(P.response(pullRequest, 0, { remark: "FOUND", extFields: pullExt, body: pullBody }))
// What the transport writes: the head, then the 38 KB body as it is (a socket writev; no copy).
const encodePullPartsOurs = () =>
  P.encodeFrameParts(P.response(pullRequest, 0, { remark: "FOUND", extFields: pullExt, body: pullBody }))
const encodePullFrameOns = () => {
  const command = RemotingCommandOns.createResponseCommand(0, 9, "FOUND")
  command.extFields = { ...pullExt }
  command.body = pullBody
  return command.encode()
}
const encodePullWithRecordsOurs = () =>
  P.encodeCommand(P.response(pullRequest, 0, {
    remark: "FOUND",
    extFields: pullExt,
    body: Buffer.concat(records.map((r) => Either.getOrThrow(P.encodeMessageRecord(r))))
  }))

const pullFrame = encodePullFrameOurs()
const decodePullOurs = () => {
  const command = Either.getOrThrow(P.decodeCommand(pullFrame))
  Either.getOrThrow(P.decodeHeader(P.PullMessageResponseHeader, command.extFields))
  return Either.getOrThrow(P.decodeMessages(command.body!))
}
const decodePullOns = () => {
  const command = RemotingCommandOns.decode(pullFrame)
  command.decodeCommandCustomHeader()
  return MessageDecoderOns.decodes(ByteBuffer.wrap(command.body!))
}

// Sanity: both sides read the same messages.
if (decodePullOns().length !== 32 || decodePullOurs().length !== 32) throw new Error("pull decode mismatch")

export const run = (seconds = 1) => {
  // Every function is warmed up first (the optimizing compiler shares this machine's two cores), so that the first
  // row does not measure compilation.
  for (
    const fn of [
      encodeSendOurs,
      encodeSendOns,
      decodeSendOurs,
      decodeSendOns,
      encodePullPartsOurs,
      encodePullFrameOurs,
      encodePullFrameOns,
      encodePullWithRecordsOurs,
      decodePullOurs,
      decodePullOns
    ]
  ) measure(fn, 0, 0.4)
  printTable("Codec throughput (frames per second; MB/s of frame bytes; median of 3 interleaved rounds)", "ali-ons", [
    {
      work: `encode SEND_MESSAGE_V2, 1 KiB body (${sendFrame.length} B)`,
      ...measurePair(encodeSendOurs, encodeSendOns, sendFrame.length, seconds)
    },
    {
      work: "decode SEND_MESSAGE_V2 + typed header",
      ...measurePair(decodeSendOurs, decodeSendOns, sendFrame.length, seconds)
    },
    {
      work: `encode pull response for a socket, 32 x 1 KiB (${pullFrame.length} B; body not copied)`,
      ...measurePair(encodePullPartsOurs, encodePullFrameOns, pullFrame.length, seconds)
    },
    {
      work: "encode pull response as one buffer (body copied)",
      ...measurePair(encodePullFrameOurs, encodePullFrameOns, pullFrame.length, seconds)
    },
    {
      work: "encode pull response incl. 32 records",
      ours: measure(encodePullWithRecordsOurs, pullFrame.length, seconds)
    },
    {
      work: "decode pull response + 32 messages",
      ...measurePair(decodePullOurs, decodePullOns, pullFrame.length, seconds)
    }
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) run()
