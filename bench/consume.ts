// Push-consumer throughput from a backlog on the embedded cluster, concurrent and orderly, and a lite pull consumer
// polling (32 a pull), 128 B and 4 KiB bodies, printed beside a bare PULL_MESSAGE loop over the same backlog (every queue pulled 32 at a time in parallel: no
// process queue, handler, commit or flow control; the ceiling). The broker runs in a child process and each consumer
// in a process of its own (bench/consume-client.ts), so the CPU per message and the peak heap and RSS are the
// client's alone. Targets (issue 16): concurrent at least 0.5x the bare pull, orderly 0.4x, at most 4 µs of client
// CPU per message, peak RSS of the draining client at most 150 MB; (issue 18) lite pull at least 0.5x.
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ProducerLive from "../src/layers/ProducerLive.js"
import { Producer } from "../src/services/Producer.js"
import { withBundles } from "./Bundle.js"
import type { ConsumeFigures } from "./consume-client.js"
import { clientStackAt, inClientProcess, startBrokerWorker } from "./stacks.js"

const QUEUES = 8

const fill = (nameServerAddress: string, topic: string, size: number, count: number) =>
  Effect.gen(function*() {
    const producer = yield* Producer
    const body = Buffer.alloc(size, "x")
    yield* Effect.forEach(Array.from({ length: count / 32 }, (_, i) => i), (i) =>
      producer.sendBatch(Array.from({ length: 32 }, (_, j) => ({ topic, body, keys: [`k${i}-${j}`] }))), {
      concurrency: 8,
      discard: true
    })
  }).pipe(
    Effect.provide(
      ProducerLive.layer({ group: "bench_filler" }).pipe(
        Layer.provideMerge(clientStackAt(nameServerAddress, "filler"))
      )
    )
  )

export const run = async (seconds = 1) => {
  // BENCH_COUNT sets the backlog (100,000 by default; a larger one weighs the fixed costs of a start less).
  const count = Math.round((Number(process.env.BENCH_COUNT ?? 100_000) * Math.min(1, seconds)) / 32) * 32
  const rows: Array<ReadonlyArray<string>> = []
  const broker = await startBrokerWorker("process")
  // BENCH_SIZES=128 and BENCH_MODES=concurrent,orderly narrow a run (the bare pull always runs: the ratios need it).
  const sizes = (process.env.BENCH_SIZES ?? "128,4096").split(",").map(Number)
  // "bundled": the concurrent push consumer's process bundled by esbuild, as an application deployed bundled is
  // (bench/Bundle.ts): the same code, less of it loaded (its memory).
  const modes = (["bare pull", "concurrent", "bundled", "orderly", "lite pull"] as const).filter((mode) =>
    mode === "bare pull" || (process.env.BENCH_MODES ?? mode).split(",").includes(mode)
  )
  try {
    await withBundles(["consume-client"], async (bundled) => {
      for (const size of sizes) {
        const topic = `Bench${size}`
        await broker.createTopic(topic, QUEUES)
        await Effect.runPromise(fill(broker.nameServerAddress, topic, size, count))
        console.error(`filled ${topic}`)
        let bare = 0
        for (const mode of modes) {
          const group = `bench_${mode.replace(" ", "_")}_${topic}`
          const figures = await inClientProcess<ConsumeFigures>("consume-client", {
            nameServerAddress: broker.nameServerAddress,
            topic,
            count,
            mode: mode === "bundled" ? "concurrent" : mode,
            group
          }, mode === "bundled" ? bundled("consume-client") : undefined)
          if (mode === "bare pull") bare = figures.rate
          rows.push([
            mode === "bundled" ? "concurrent, bundled" : mode,
            `${size} B`,
            Math.round(figures.rate).toLocaleString("en-US"),
            `${(figures.rate / bare).toFixed(2)}x`,
            figures.cpuMicrosPerMessage.toFixed(1),
            figures.peakHeapMiB.toFixed(0),
            figures.peakRssMiB.toFixed(0),
            figures.heapAfterMiB.toFixed(0)
          ])
          console.error(rows.at(-1)!.join("  "))
        }
      }
    })
  } finally {
    await broker.stop()
  }
  console.log(
    `\nPush and lite pull consumers from a backlog of ${
      count.toLocaleString("en-US")
    } messages (embedded cluster in another process, ` +
      `${QUEUES} queues; each consumer a client-only process)`
  )
  const header = [
    "mode",
    "body",
    "msg/s",
    "of bare pull",
    "client CPU µs/msg",
    "peak heap MiB",
    "peak RSS MiB",
    "heap after MiB"
  ]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  console.log(line(header))
  for (const r of rows) console.log(line(r))
  console.log("(targets: concurrent 0.5x, orderly 0.4x and lite pull 0.5x of the bare pull, at most 4 µs CPU/msg,")
  console.log(" RSS 150 MB;")
  console.log(" heap after: in use once the consumer closed and a full collection ran)")
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.env.BENCH_SECONDS ?? 1))
