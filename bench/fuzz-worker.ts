// A worker of bench/fuzz.ts: runs one in-process target over a range of inputs, marking each input's index in shared
// memory before feeding it, so that the main thread can stop a worker stuck on one input and say which.
import { parentPort, workerData } from "node:worker_threads"
import { loadSeeds } from "./FuzzSeeds.js"
import { runSync, type SyncTarget } from "./FuzzTargets.js"

const job = workerData as {
  readonly target: SyncTarget
  readonly seed: number
  readonly from: number
  readonly to: number
  readonly hangMillis: number
  readonly directories: ReadonlyArray<string>
  readonly progress: SharedArrayBuffer
}
const marks = new Int32Array(job.progress)
const tally = runSync(
  job.target,
  loadSeeds([...job.directories]),
  job.seed,
  job.from,
  job.to,
  job.hangMillis,
  (index) => Atomics.store(marks, 0, index)
)
parentPort!.postMessage(tally)
