// A small benchmark harness: runs a function for a fixed time after a warm-up and reports operations and bytes
// per second, then prints rows side by side with a peer.

export interface Measurement {
  readonly opsPerSecond: number
  readonly mbPerSecond: number
}

/** Runs `fn` repeatedly for about `seconds` (after a warm-up of a quarter of that) and measures its rate. */
export const measure = (fn: () => unknown, bytesPerOp: number, seconds = 1): Measurement => {
  const run = (ms: number) => {
    let ops = 0
    let sink: unknown
    const start = process.hrtime.bigint()
    const end = start + BigInt(Math.round(ms * 1e6))
    let now = start
    while (now < end) {
      for (let i = 0; i < 64; i++) sink = fn()
      ops += 64
      now = process.hrtime.bigint()
    }
    if (sink === Symbol.for("never")) console.log(sink)
    return { ops, ns: Number(now - start) }
  }
  run(seconds * 250)
  const { ns, ops } = run(seconds * 1000)
  const opsPerSecond = ops / (ns / 1e9)
  return { opsPerSecond, mbPerSecond: (opsPerSecond * bytesPerOp) / (1024 * 1024) }
}

/**
 * Measures ours and a peer's in interleaved rounds (ours, peer, ours, peer, ...) and keeps the median of each: this
 * machine's speed drifts from second to second, and taking turns keeps the drift out of the ratio.
 */
export const measurePair = (
  ours: () => unknown,
  peer: () => unknown,
  bytesPerOp: number,
  seconds = 1,
  rounds = 3
): { readonly ours: Measurement; readonly peer: Measurement } => {
  const oursRuns: Array<Measurement> = []
  const peerRuns: Array<Measurement> = []
  for (let i = 0; i < rounds; i++) {
    oursRuns.push(measure(ours, bytesPerOp, seconds / rounds))
    peerRuns.push(measure(peer, bytesPerOp, seconds / rounds))
  }
  const median = (runs: Array<Measurement>) =>
    runs.sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor(runs.length / 2)]!
  return { ours: median(oursRuns), peer: median(peerRuns) }
}

export interface Row {
  readonly work: string
  readonly ours: Measurement
  readonly peer?: Measurement | undefined
}

const fmt = (n: number) => n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)

/** Prints rows as a table: ours, the peer's, and the ratio. */
export const printTable = (title: string, peerName: string, rows: ReadonlyArray<Row>): void => {
  console.log(`\n${title}`)
  const header = ["work", "ours ops/s", "ours MB/s", `${peerName} ops/s`, `${peerName} MB/s`, "ratio"]
  const lines = rows.map((r) => [
    r.work,
    fmt(r.ours.opsPerSecond),
    fmt(r.ours.mbPerSecond),
    r.peer ? fmt(r.peer.opsPerSecond) : "n/a",
    r.peer ? fmt(r.peer.mbPerSecond) : "n/a",
    r.peer ? `${(r.ours.opsPerSecond / r.peer.opsPerSecond).toFixed(2)}x` : "-"
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  console.log(line(header))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const l of lines) console.log(line(l))
}
