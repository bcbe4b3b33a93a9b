// Push-consumer throughput from a backlog of 100,000 messages on the embedded cluster (8 queues), concurrent and
// orderly, 128 B and 4 KiB bodies, with peak memory; printed beside a bare PULL_MESSAGE loop over the same backlog
// (8 queues pulled 32 at a time in parallel, no process queue, handler, commit or flow control: the ceiling).
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Effect, Layer, Ref } from "effect"
import * as EmbeddedClusterLive from "../src/layers/EmbeddedClusterLive.js"
import * as ProducerLive from "../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../src/layers/PushConsumerLive.js"
import { decodeMessages } from "../src/protocol/MessageDecoder.js"
import { EmbeddedCluster } from "../src/services/EmbeddedCluster.js"
import { Producer } from "../src/services/Producer.js"
import { RemotingClient } from "../src/services/RemotingClient.js"
import { clientStack, pullRequest } from "./stacks.js"

const QUEUES = 8

/** Peak heap and RSS while `effect` runs, sampled every 20 ms. */
const withPeakMemory = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    let heap = 0
    let rss = 0
    const sample = () => {
      const m = process.memoryUsage()
      heap = Math.max(heap, m.heapUsed)
      rss = Math.max(rss, m.rss)
    }
    const timer = setInterval(sample, 20)
    const result = yield* Effect.ensuring(effect, Effect.sync(() => clearInterval(timer)))
    sample()
    return { result, heapMiB: heap / 2 ** 20, rssMiB: rss / 2 ** 20 }
  })

const fill = (topic: string, size: number, count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic(topic, { readQueueNums: QUEUES, writeQueueNums: QUEUES })
    const producer = yield* Producer
    const body = Buffer.alloc(size, "x")
    yield* Effect.forEach(Array.from({ length: count / 32 }, (_, i) => i), (i) =>
      producer.sendBatch(Array.from({ length: 32 }, (_, j) => ({ topic, body, keys: [`k${i}-${j}`] }))), {
      concurrency: 8,
      discard: true
    })
  }).pipe(Effect.provide(ProducerLive.layer({ group: "bench_filler" }).pipe(Layer.provideMerge(clientStack("filler")))))

/** Messages per second for a push consumer of a new group reading the whole backlog from the first offset. */
const consumeAll = (topic: string, count: number, orderly: boolean) =>
  Effect.gen(function*() {
    const consumed = yield* Ref.make(0)
    const done = yield* Deferred.make<void>()
    const started = performance.now()
    yield* Effect.scoped(
      Effect.gen(function*() {
        yield* PushConsumerLive.make({
          group: `bench_${orderly ? "orderly" : "concurrent"}_${topic}`,
          subscriptions: [{ topic }],
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
          orderly,
          handler: (messages) =>
            Effect.flatMap(Ref.updateAndGet(consumed, (n) => n + messages.length), (n) =>
              n >= count
                ? Effect.as(Deferred.succeed(done, undefined), "CONSUME_SUCCESS" as const)
                : Effect.succeed("CONSUME_SUCCESS" as const))
        })
        yield* Deferred.await(done)
      })
    ).pipe(Effect.provide(clientStack(`consumer-${orderly}-${topic}`)))
    return count / ((performance.now() - started) / 1000)
  }).pipe(Effect.provide(NodeFileSystem.layer))

/** The bare pull loop: every queue pulled from 0 to its end, 32 at a time, in parallel. */
const barePull = (topic: string, count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const address = cluster.brokers[0]!.address
    const started = performance.now()
    let total = 0
    yield* Effect.forEach(Array.from({ length: QUEUES }, (_, q) => q), (queueId) =>
      Effect.gen(function*() {
        let offset = 0
        for (;;) {
          const answer = yield* client.invoke(address, pullRequest("bench_bare", topic, queueId, offset))
          if (answer.body === undefined) break
          total += (yield* decodeMessages(answer.body)).length
          offset = Number(answer.extFields?.nextBeginOffset)
        }
      }), { concurrency: "unbounded", discard: true })
    if (total !== count) throw new Error(`bare pull read ${total} of ${count}`)
    return count / ((performance.now() - started) / 1000)
  }).pipe(Effect.provide(clientStack("bare")))

export const run = async (seconds = 1) => {
  const count = Math.round((100_000 * Math.min(1, seconds)) / 32) * 32
  const rows: Array<ReadonlyArray<string>> = []
  for (const size of [128, 4096]) {
    const round = Effect.gen(function*() {
      const topic = `Bench${size}`
      yield* fill(topic, size, count)
      console.error(`filled ${topic}`)
      const bare = yield* barePull(topic, count)
      console.error(`bare pull ${Math.round(bare)}/s`)
      for (const orderly of [false, true]) {
        const { heapMiB, result, rssMiB } = yield* withPeakMemory(consumeAll(topic, count, orderly))
        rows.push([
          orderly ? "orderly" : "concurrent",
          `${size} B`,
          Math.round(result).toLocaleString("en-US"),
          Math.round(bare).toLocaleString("en-US"),
          `${(result / bare).toFixed(2)}x`,
          heapMiB.toFixed(0),
          rssMiB.toFixed(0)
        ])
      }
    }).pipe(Effect.provide(EmbeddedClusterLive.layer()))
    await Effect.runPromise(round)
  }
  console.log(
    `\nPush consumer from a backlog of ${count.toLocaleString("en-US")} messages (embedded cluster, ${QUEUES} queues)`
  )
  const header = ["mode", "body", "msg/s", "bare pull msg/s", "ratio", "peak heap MiB", "peak RSS MiB"]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  console.log(line(header))
  for (const r of rows) console.log(line(r))
  console.log("(heap and RSS include the embedded broker holding the backlog in the same process)")
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.env.BENCH_SECONDS ?? 1))
