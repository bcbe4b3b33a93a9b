// Worker threads of the fuzzers: compiled (`tsc -p tsconfig.bench.json`) a worker is plain JavaScript; run from
// source with tsx, it registers tsx first.
import { Worker } from "node:worker_threads"

/** Starts bench/`name`.js (or .ts from source) with `data`. */
export const startWorker = (name: string, data: Record<string, unknown>, maxHeapMb = 4096): Worker => {
  const compiled = import.meta.url.endsWith(".js")
  const script = new URL(`./${name}${compiled ? ".js" : ".ts"}`, import.meta.url)
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb }
  return compiled
    ? new Worker(script, { workerData: data, resourceLimits })
    : new Worker(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(script.href)}) })`,
      { eval: true, workerData: data, resourceLimits }
    )
}
