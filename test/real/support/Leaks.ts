// The real suite's global set-up: its JVMs carry the run's id; after the suite none of them may be running. One left
// (a scope that did not close) is killed and fails the run, naming it. JVMs of another run that is still going are
// left alone; those of a run whose process is gone (killed before it could clean up) are killed at the next set-up.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { markerPrefix } from "./Jvm.js"

interface Found {
  readonly pid: number
  readonly run: string
  readonly command: string
}

/** Processes whose command line carries the real suite's marker: pid, run id and command line. */
export const realJvms = (): Array<Found> => {
  const found: Array<Found> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      const marker = args.find((a) => a.startsWith(markerPrefix))
      if (marker === undefined) continue
      const command = args.filter((a) => a !== "").slice(-3).join(" ")
      found.push({ pid: Number(entry), run: marker.slice(markerPrefix.length), command })
    } catch {
      // The process ended while we looked.
    }
  }
  return found
}

const killAll = (jvms: ReadonlyArray<{ pid: number }>) => {
  for (const { pid } of jvms) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Already gone.
    }
  }
}

export const setup = () => {
  const run = String(process.pid)
  // Read by the test workers (forked after this) and so by every JVM they start.
  process.env.EFFECT_ROCKETMQ_REAL_RUN = run
  killAll(realJvms().filter((j) => !existsSync(`/proc/${j.run}`)))
  return () => {
    const left = realJvms().filter((j) => j.run === run)
    killAll(left)
    if (left.length > 0) {
      throw new Error(
        `the real suite left ${left.length} RocketMQ JVM(s) running (now killed): ${
          left.map((j) => `${j.pid} ${j.command}`).join("; ")
        }`
      )
    }
  }
}
