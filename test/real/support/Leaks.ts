// The real suite's global set-up: before it, and after it, no RocketMQ JVM of ours may be running. One left after the
// suite (a scope that did not close) is killed and fails the run, naming it.
import { readdirSync, readFileSync } from "node:fs"
import { marker } from "./Jvm.js"

/** Processes whose command line carries the real suite's marker: pid and command line. */
export const realJvms = (): Array<{ pid: number; command: string }> => {
  const found: Array<{ pid: number; command: string }> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (args.includes(marker)) {
        found.push({
          pid: Number(entry),
          command: args.filter((a) => a !== "").slice(-3).join(" ")
        })
      }
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
  // Left by an earlier run that was killed (not by this one): clear them so ports and memory are free.
  killAll(realJvms())
}

export const teardown = () => {
  const left = realJvms()
  killAll(left)
  if (left.length > 0) {
    throw new Error(
      `the real suite left ${left.length} RocketMQ JVM(s) running (now killed): ${
        left.map((j) => `${j.pid} ${j.command}`).join("; ")
      }`
    )
  }
}
