// Fault simulations at scale: SIM_RUNS (500) schedules drawn by fast-check, half with concurrent consumers and half
// with orderly ones, each run on a fresh embedded cluster and checked against every invariant (see
// src/services/Simulation.ts). Prints the runs and time per mode; on a failure, the seed and the shrunk schedule, and
// exits 1. A program, not a test: `npm test` runs 25 schedules (test/layers/SimulationLive.test.ts).
//
//   tsc -p tsconfig.bench.json && node .bench-build/bench/simulate.js
//   SIM_RUNS=500 SIM_SEED=42 (by default the time: printed, so a failing run can be repeated)
//   SIM_MODES=concurrent,orderly SIM_MAX_FAULTS=4 SIM_SPAN_MS=600 (every fault kind in both modes:
//   SimulationLive.defaultKinds)
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as SimulationLive from "../src/layers/SimulationLive.js"

const runs = Number(process.env.SIM_RUNS ?? 500)
const seed = Number(process.env.SIM_SEED ?? Date.now() % 2 ** 31)
const modes = (process.env.SIM_MODES ?? "concurrent,orderly").split(",").filter((m) => m.length > 0)
const maxFaults = Number(process.env.SIM_MAX_FAULTS ?? 4)
const spanMillis = Number(process.env.SIM_SPAN_MS ?? 600)

const run = Effect.gen(function*() {
  console.log(`fault simulations: ${runs} schedules, seed ${seed}, modes ${modes.join(" and ")}`)
  const rows: Array<string> = []
  for (const [i, mode] of modes.entries()) {
    const share = Math.ceil(runs / modes.length)
    const started = Date.now()
    yield* SimulationLive.check({ runs: share, seed: seed + i, orderly: mode === "orderly", maxFaults, spanMillis })
    const seconds = (Date.now() - started) / 1000
    rows.push(
      `${mode.padEnd(12)} ${String(share).padStart(6)} runs  ${seconds.toFixed(1).padStart(7)} s  ` +
        `${(seconds * 1000 / share).toFixed(0).padStart(6)} ms/run  every invariant held`
    )
    console.log(rows.at(-1))
  }
}).pipe(Logger.withMinimumLogLevel(LogLevel.None))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).then(() => process.exit(0), (error) => {
    console.error(String(error))
    process.exit(1)
  })
}
