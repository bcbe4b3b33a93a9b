// Start-up: the time from a process's start to its first SEND_OK against the embedded cluster (in another process),
// for our client as a user's program builds it (the package's entry, ClientLive and ProducerLive with defaults) run as
// compiled JavaScript and bundled by esbuild (code split, as an application is deployed bundled), and for ali-ons doing
// the same; the median of several fresh processes each, with the part spent importing. Target (issue 16): at most
// 200 ms for ours on the 2-core development machine.
import { fork } from "node:child_process"
import { withBundles } from "./Bundle.js"
import { benchScript, nodeArgsFor } from "./Scripts.js"
import { startBrokerWorker } from "./stacks.js"

interface Start {
  readonly totalMs: number
  readonly importMs: number
  readonly sendOkMs: number
}

/** One fresh process of `file` (run by tsx when not compiled and not a bundle), to its first SEND_OK. */
const once = (file: string, nameServerAddress: string, quiet: boolean) =>
  new Promise<Start>((resolve, reject) => {
    const spawned = performance.now()
    const child = fork(file, [nameServerAddress, "Startup"], {
      execArgv: [...nodeArgsFor(file)],
      // ali-ons logs its route updates on stderr: not ours to show.
      stdio: ["ignore", "ignore", quiet ? "ignore" : "inherit", "ipc"]
    })
    child.once("message", (m) => {
      const { importMs, sendOkMs } = m as { importMs: number; sendOkMs: number }
      resolve({ totalMs: performance.now() - spawned, importMs, sendOkMs })
    })
    child.once("exit", (code) => code === 0 ? undefined : reject(new Error(`${file} exited with ${code}`)))
  })

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export const run = async (runs = 7) => {
  const broker = await startBrokerWorker("process")
  await broker.createTopic("Startup", 4)
  try {
    const rows = await withBundles(["startup-ours"], async (bundled) => {
      const clients: ReadonlyArray<readonly [string, string, boolean]> = [
        ["ours", benchScript("startup-ours"), false],
        ["ours, bundled (esbuild)", bundled("startup-ours"), false],
        ["ali-ons", benchScript("startup-ali-ons"), true]
      ]
      const rows: Array<ReadonlyArray<string>> = []
      for (const [name, file, quiet] of clients) {
        const starts: Array<Start> = []
        // Taking turns with a warm-up: the first process pays the disk cache.
        await once(file, broker.nameServerAddress, quiet)
        for (let i = 0; i < runs; i++) starts.push(await once(file, broker.nameServerAddress, quiet))
        rows.push([
          name,
          median(starts.map((s) => s.totalMs)).toFixed(0),
          median(starts.map((s) => s.sendOkMs)).toFixed(0),
          median(starts.map((s) => s.importMs)).toFixed(0)
        ])
      }
      return rows
    })
    console.log(
      `\nStart-up: process start to the first SEND_OK (embedded cluster in another process; median of ${runs})`
    )
    const header = ["client", "spawn to SEND_OK ms", "process start to SEND_OK ms", "of which imports ms"]
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (cells: ReadonlyArray<string>) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
    console.log(line(header))
    for (const r of rows) console.log(line(r))
    console.log("(target: ours at most 200 ms from process start)")
  } finally {
    await broker.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.env.BENCH_STARTUP_RUNS ?? 7))
