// Producer throughput and latency against the embedded cluster running in a worker thread (its own core, as a real
// broker would have): one sender awaiting each send, 64 concurrent senders, and batches of 32, for 128 B and 4 KiB
// bodies, with and without 1 ms added to every broker answer. Target: pipelined at least 20x one-at-a-time.
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ProducerLive from "../src/layers/ProducerLive.js"
import { Producer } from "../src/services/Producer.js"
import { withBundles } from "./Bundle.js"
import type { ProduceFigures } from "./produce-client.js"
import { clientStackAt, inClientProcess, startBrokerWorker } from "./stacks.js"

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

interface Row {
  readonly latency: string
  readonly mode: string
  readonly size: number
  readonly rate: number
  readonly p50: number
  readonly p99: number
}

const measure = (latency: string, mode: string, size: number, count: number, concurrency: number, batch: number) =>
  Effect.gen(function*() {
    const producer = yield* Producer
    const body = Buffer.alloc(size, "x")
    const latencies: Array<number> = []
    const rounds = Math.ceil(count / batch)
    const started = performance.now()
    yield* Effect.forEach(Array.from({ length: rounds }, (_, i) => i), (i) =>
      Effect.suspend(() => {
        const t = performance.now()
        const send = batch === 1
          ? producer.send({ topic: "Bench", body, keys: [`k${i}`] })
          : producer.sendBatch(
            Array.from({ length: batch }, (_, j) => ({ topic: "Bench", body, keys: [`k${i}-${j}`] }))
          )
        return Effect.map(send, () => void latencies.push(performance.now() - t))
      }), { concurrency, discard: true })
    const seconds = (performance.now() - started) / 1000
    latencies.sort((a, b) => a - b)
    return {
      latency,
      mode,
      size,
      rate: (rounds * batch) / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99)
    } satisfies Row
  })

const stackAt = (nameServerAddress: string) =>
  ProducerLive.layer({ group: "bench_producer" }).pipe(Layer.provideMerge(clientStackAt(nameServerAddress, "bench")))

export const run = async (seconds = 1) => {
  const rows: Array<Row> = []
  // The broker answers at once on loopback; a real one is a network round trip away, so each setting is also
  // measured with 1 ms added to every broker answer.
  for (const latency of ["0 millis", "1 millis"] as const) {
    for (const size of [128, 4096]) {
      const broker = await startBrokerWorker()
      await broker.createTopic("Bench", 4)
      await broker.setLatency(latency)
      // Three rounds of the three modes in turn, and the median of each mode: this machine's speed drifts from second
      // to second, and taking turns keeps the drift out of the ratio.
      const round = Effect.gen(function*() {
        yield* measure(latency, "warm-up", size, 500, 16, 1)
        const modes = [
          ["one at a time", Math.round(500 * seconds), 1, 1],
          ["64 concurrent", Math.round(8000 * seconds), 64, 1],
          ["batches of 32", Math.round(16000 * seconds), 1, 32]
        ] as const
        const runs = modes.map(() => [] as Array<Row>)
        for (let r = 0; r < 3; r++) {
          for (const [i, [mode, count, concurrency, batch]] of modes.entries()) {
            runs[i]!.push(yield* measure(latency, mode, size, count, concurrency, batch))
          }
        }
        for (const modeRuns of runs) rows.push(modeRuns.sort((a, b) => a.rate - b.rate)[1]!)
      }).pipe(Effect.provide(stackAt(broker.nameServerAddress)))
      await Effect.runPromise(round)
      await broker.stop()
    }
  }
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2))
  console.log(
    "\nProducer against the embedded cluster in a worker thread (loopback; latency per send or per batch, ms; median" +
      " of 3 interleaved rounds)"
  )
  console.log(
    ["broker latency", "mode", "body", "msg/s", "p50 ms", "p99 ms"].map((
      h,
      i
    ) => (i < 2 ? h.padEnd(16) : h.padStart(12)))
      .join("")
  )
  for (const r of rows) {
    console.log(
      r.latency.padEnd(16) + r.mode.padEnd(16) +
        [`${r.size} B`, fmt(r.rate), fmt(r.p50), fmt(r.p99)].map((c) => c.padStart(12)).join("")
    )
  }
  for (const latency of ["0 millis", "1 millis"]) {
    for (const size of [128, 4096]) {
      const one = rows.find((r) => r.latency === latency && r.size === size && r.mode === "one at a time")!
      const many = rows.find((r) => r.latency === latency && r.size === size && r.mode === "64 concurrent")!
      console.log(
        `broker latency ${latency}, ${size} B: pipelined / one at a time = ${
          (many.rate / one.rate).toFixed(1)
        }x (target 20x)`
      )
    }
  }
}

/**
 * The client's own cost: a producer alone in its process, the broker in another, 64 sends in flight; CPU per message
 * and peak memory. Target (issue 16): peak RSS at most 100 MB.
 */
export const runClientOnly = async (seconds = 1) => {
  const broker = await startBrokerWorker("process")
  await broker.createTopic("BenchClient", 4)
  const rows: Array<string> = []
  // Compiled as it is, and bundled by esbuild as an application deployed bundled is (bench/Bundle.ts).
  try {
    await withBundles(["produce-client"], async (bundled) => {
      for (const size of [128, 4096]) {
        const job = { nameServerAddress: broker.nameServerAddress, topic: "BenchClient", size, inflight: 64 }
        for (const [how, script] of [["compiled", undefined], ["bundled", bundled("produce-client")]] as const) {
          const f = await inClientProcess<ProduceFigures>(
            "produce-client",
            { ...job, count: Math.round(50_000 * seconds) },
            script
          )
          rows.push(
            `${`${size} B`.padEnd(8)}${how.padEnd(10)}${Math.round(f.rate).toLocaleString("en-US").padStart(10)}` +
              `${f.cpuMicrosPerMessage.toFixed(1).padStart(20)}${f.peakHeapMiB.toFixed(0).padStart(15)}` +
              `${f.peakRssMiB.toFixed(0).padStart(14)}`
          )
        }
      }
    })
  } finally {
    await broker.stop()
  }
  console.log("\nProducer alone in its process, 64 in flight (embedded cluster in another process)")
  console.log(
    `${"body".padEnd(8)}${"code".padEnd(10)}${"msg/s".padStart(10)}${"client CPU µs/msg".padStart(20)}` +
      `${"peak heap MiB".padStart(15)}${"peak RSS MiB".padStart(14)}`
  )
  for (const row of rows) console.log(row)
  console.log("(target: peak RSS at most 100 MB)")
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run(Number(process.env.BENCH_SECONDS ?? 1))
  await runClientOnly(Number(process.env.BENCH_SECONDS ?? 1))
}
