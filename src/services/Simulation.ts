/**
 * Fault simulations as property tests: the pure half. A simulation runs a workload (producers sending keyed, numbered
 * messages; push consumers, concurrent or orderly, with a handler of the user's) on the embedded cluster while a
 * `FaultSchedule` drawn by fast-check stops brokers and the name server, adds latency, fails requests, cuts clients,
 * and makes consumers join, leave and close mid-batch. Everything that happened is recorded as a `History`; the
 * invariants below are plain functions over it, so each has tests of its own and a failing run shrinks to a small
 * schedule. The runner is `SimulationLive` (`src/layers/SimulationLive.ts`), under a `TestClock` it drives.
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { History, SimulationReport } from "./SimulationHistory.js"
import { type FaultSchedule, formatSchedule } from "./SimulationSchedule.js"

export * from "./SimulationHistory.js"
export * from "./SimulationSchedule.js"

/**
 * A simulation broke an invariant: the schedule (printed small when fast-check shrank it) and the report.
 * @since 0.1.0
 * @category errors
 */
export class SimulationFailed extends Data.TaggedError("SimulationFailed")<{
  readonly schedule: FaultSchedule
  readonly report: SimulationReport
  /** Everything recorded, to look into the violations. */
  readonly history: History
}> {
  override get message(): string {
    const shown = this.report.violations.slice(0, 5).map((v) => `  ${JSON.stringify(v)}`)
    return `${this.report.violations.length} violation(s) under the schedule:\n${formatSchedule(this.schedule)}\n` +
      shown.join("\n")
  }
}

/**
 * The simulation could not be set up or run (the embedded cluster, a client or a consumer failed to start).
 * @since 0.1.0
 * @category errors
 */
export class SimulationSetupError extends Data.TaggedError("SimulationSetupError")<{
  readonly reason: string
  readonly cause: unknown
}> {}

/**
 * A property run found a failing schedule: fast-check's seed and the shrunk schedule, with what went wrong.
 * @since 0.1.0
 * @category errors
 */
export class SimulationPropertyFailed extends Data.TaggedError("SimulationPropertyFailed")<{
  readonly seed: number
  readonly runs: number
  readonly schedule: FaultSchedule | undefined
  readonly error: string
}> {
  override get message(): string {
    const schedule = this.schedule === undefined ? "(none)" : formatSchedule(this.schedule)
    return `simulation failed after ${this.runs} run(s) (seed ${this.seed}); shrunk schedule:\n${schedule}\n${this.error}`
  }
}
