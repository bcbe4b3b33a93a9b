// Messages per second through one embedded broker over loopback: N messages sent with 64 sends in flight, then pulled
// back 32 at a time, for 128 B and 4 KiB bodies, driven by our own RemotingClient.
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as EmbeddedClusterLive from "../src/layers/EmbeddedClusterLive.js"
import * as RemotingClientLive from "../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../src/layers/RequestHandlersLive.js"
import { encodeHeader } from "../src/protocol/headers/CommandHeader.js"
import { SendMessageRequestHeaderV2 } from "../src/protocol/headers/SendHeaders.js"
import { decodeMessages } from "../src/protocol/MessageDecoder.js"
import { request } from "../src/protocol/RemotingCommand.js"
import { RequestCode } from "../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../src/services/EmbeddedCluster.js"
import { NameServerAddresses } from "../src/services/NameServerAddresses.js"
import { RemotingClient } from "../src/services/RemotingClient.js"
import { RpcHooks } from "../src/services/RpcHooks.js"
import { pullRequest } from "./stacks.js"

const sendRequest = (body: Buffer, i: number) =>
  request(
    RequestCode.SEND_MESSAGE_V2,
    Either.getOrThrow(encodeHeader(SendMessageRequestHeaderV2, {
      producerGroup: "bench",
      topic: "Bench",
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId: 0,
      sysFlag: 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: `TAGS\u0001TagA\u0002KEYS\u0001k${i}`,
      batch: false
    })),
    { body }
  )

const pullBench = (queueOffset: number) => pullRequest("bench", "Bench", 0, queueOffset)

const round = (size: number, count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Bench", { readQueueNums: 1, writeQueueNums: 1 })
    const client = yield* RemotingClient
    const broker = cluster.brokers[0]!.address
    const body = Buffer.alloc(size, "x")
    const sendStart = performance.now()
    yield* Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) =>
      client.invoke(broker, sendRequest(body, i)), {
      concurrency: 64,
      discard: true
    })
    const sendSeconds = (performance.now() - sendStart) / 1000
    const pullStart = performance.now()
    let offset = 0
    while (offset < count) {
      const answer = yield* client.invoke(broker, pullBench(offset))
      offset += Either.getOrThrow(decodeMessages(answer.body!)).length
    }
    const pullSeconds = (performance.now() - pullStart) / 1000
    const heap = process.memoryUsage().heapUsed / (1024 * 1024)
    return { size, count, send: count / sendSeconds, pull: count / pullSeconds, heap }
  }).pipe(
    Effect.provide(
      Layer.unwrapEffect(Effect.map(EmbeddedCluster, (cluster) =>
        RemotingClientLive.layer().pipe(
          Layer.provide(
            Layer.mergeAll(RequestHandlersLive, RpcHooks.none, NameServerAddresses.fixed([cluster.nameServerAddress]))
          )
        )))
    ),
    Effect.provide(EmbeddedClusterLive.layer())
  )

export const run = async (seconds = 1) => {
  const count = Math.round(20_000 * seconds)
  const rows = []
  for (const size of [128, 4096]) rows.push(await Effect.runPromise(round(size, count)))
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
  console.log("\nEmbedded broker throughput on loopback (our client; send with 64 in flight, then pull 32 at a time)")
  console.log(["body", "messages", "send msg/s", "pull msg/s", "heap MiB"].map((h) => h.padStart(12)).join(""))
  for (const r of rows) {
    console.log(
      [`${r.size} B`, fmt(r.count), fmt(r.send), fmt(r.pull), r.heap.toFixed(0)].map((c) => c.padStart(12)).join("")
    )
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.env.BENCH_SECONDS ?? 1))
