// One consumer of bench/consume.ts in a process of its own (a client-only process: the broker is another process), so
// its CPU time and memory are the client's alone. Reads the whole backlog of a topic, as a push consumer of a new
// group (concurrent or orderly), as a lite pull consumer polling, or as a bare PULL_MESSAGE loop, and sends its figures to the parent.
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import * as LitePullConsumerLive from "../src/layers/LitePullConsumerLive.js"
import * as PushConsumerLive from "../src/layers/PushConsumerLive.js"
import { barePull } from "./BarePull.js"
import { samplePeakMemory } from "./PeakMemory.js"
import { clientStackAt } from "./stacks.js"

export interface ConsumeJob {
  readonly nameServerAddress: string
  readonly topic: string
  readonly count: number
  readonly mode: "bare pull" | "concurrent" | "orderly" | "lite pull"
  readonly group: string
}

export interface ConsumeFigures {
  readonly rate: number
  readonly cpuMicrosPerMessage: number
  readonly peakHeapMiB: number
  readonly peakRssMiB: number
  /** The heap in use once the consumer has closed and a full collection ran: what the drain left behind. */
  readonly heapAfterMiB: number
}

/** A push consumer of a new group from the first offset, until it has consumed `count` messages. */
const push = (job: ConsumeJob) =>
  Effect.scoped(Effect.gen(function*() {
    let consumed = 0
    const done = yield* Deferred.make<void>()
    yield* PushConsumerLive.make({
      group: job.group,
      subscriptions: [{ topic: job.topic }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      orderly: job.mode === "orderly",
      handler: (messages) =>
        Effect.suspend(() => {
          consumed += messages.length
          return consumed >= job.count
            ? Effect.as(Deferred.succeed(done, undefined), "CONSUME_SUCCESS" as const)
            : Effect.succeed("CONSUME_SUCCESS" as const)
        })
    })
    yield* Deferred.await(done)
  }))

/**
 * A lite pull consumer of a new group from the first offset, polling until it has been handed `count` messages
 * (auto-commit on, as by default); 32 messages a pull, as the bare pull loop.
 */
const litePull = (job: ConsumeJob) =>
  Effect.scoped(Effect.gen(function*() {
    const consumer = yield* LitePullConsumerLive.make({
      group: job.group,
      subscriptions: [{ topic: job.topic }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      pullBatchSize: 32
    })
    let polled = 0
    while (polled < job.count) polled += (yield* consumer.poll("5 seconds")).length
  }))

export const consume = async (job: ConsumeJob): Promise<ConsumeFigures> => {
  const memory = samplePeakMemory()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const work: Effect.Effect<void, unknown, Layer.Layer.Success<ReturnType<typeof clientStackAt>>> =
    job.mode === "bare pull"
      ? barePull(job.group, job.topic, job.count)
      : job.mode === "lite pull"
      ? litePull(job)
      : push(job)
  await Effect.runPromise(
    work.pipe(Effect.provide(clientStackAt(job.nameServerAddress, job.group).pipe(Layer.orDie)))
  )
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const peaks = memory.stop()
  // A full collection, to see what the drain left (the flag is set at run time: no node option needed).
  setFlagsFromString("--expose-gc")
  const collect = runInNewContext("gc") as () => void
  collect()
  return {
    heapAfterMiB: process.memoryUsage().heapUsed / 2 ** 20,
    rate: job.count / seconds,
    cpuMicrosPerMessage: (used.user + used.system) / job.count,
    ...peaks
  }
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  const figures = await consume(JSON.parse(process.argv[2]) as ConsumeJob)
  process.send(figures, () => process.exit(0))
}
