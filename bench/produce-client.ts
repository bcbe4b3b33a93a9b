// A producer of bench/produce.ts in a process of its own (a client-only process: the broker is another process), so
// its CPU time and memory are the client's alone: sends `count` messages of `size` bytes with `inflight` sends at a
// time, and sends its figures (rate, CPU µs per message, peak heap and RSS) to the parent.
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ProducerLive from "../src/layers/ProducerLive.js"
import { Producer } from "../src/services/Producer.js"
import { samplePeakMemory } from "./PeakMemory.js"
import { clientStackAt } from "./stacks.js"

export interface ProduceJob {
  readonly nameServerAddress: string
  readonly topic: string
  readonly size: number
  readonly count: number
  readonly inflight: number
}

export interface ProduceFigures {
  readonly rate: number
  readonly cpuMicrosPerMessage: number
  readonly peakHeapMiB: number
  readonly peakRssMiB: number
}

export const produce = async (job: ProduceJob): Promise<ProduceFigures> => {
  const memory = samplePeakMemory()
  const body = Buffer.alloc(job.size, "x")
  const send = Effect.flatMap(Producer, (producer) => producer.send({ topic: job.topic, body }))
  const stack = ProducerLive.layer({ group: "bench_producer_process" }).pipe(
    Layer.provideMerge(clientStackAt(job.nameServerAddress, "bench-producer"))
  )
  const figures = await Effect.runPromise(
    Effect.gen(function*() {
      yield* send // the route, the connection
      const cpu = process.cpuUsage()
      const started = performance.now()
      // `inflight` senders, each sending its share in a loop (not Effect.forEach over `count` sends, which keeps an
      // exit per send until the end and so weighs on the heap measured here).
      const share = (i: number) => Math.floor(job.count / job.inflight) + (i < job.count % job.inflight ? 1 : 0)
      yield* Effect.forEach(
        Array.from({ length: job.inflight }, (_, i) => i),
        (i) => Effect.repeatN(send, share(i) - 1),
        {
          concurrency: "unbounded",
          discard: true
        }
      )
      const seconds = (performance.now() - started) / 1000
      const used = process.cpuUsage(cpu)
      return { rate: job.count / seconds, cpuMicrosPerMessage: (used.user + used.system) / job.count }
    }).pipe(Effect.provide(stack))
  )
  return { ...figures, ...memory.stop() }
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  const figures = await produce(JSON.parse(process.argv[2]) as ProduceJob)
  process.send(figures, () => process.exit(0))
}
