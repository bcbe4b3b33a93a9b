// Fuzzing at scale: FUZZ_FRAMES (1,000,000) random and mutated frames (mutations of the captured ones, see
// FrameMutations.ts) fed to the frame splitter, the decoders and a live connection of the client's transport. Prints
// frames per second per target, crashes (a throw or a defect instead of a typed error; none allowed) with the seed
// and the hex of the first crashing input, hangs (an input or a call that does not end within its bound) and
// mismatches (two decoding paths that disagree); exits 1 on any of them.
//
//   tsc -p tsconfig.bench.json && node .bench-build/bench/fuzz.js
//   FUZZ_FRAMES=1000000 FUZZ_LIVE_FRAMES=... FUZZ_SEED=42 FUZZ_FROM=0 FUZZ_TARGETS=splitter,decoders,live
//   FUZZ_HANG_MS=1000 FUZZ_PARALLEL=1 (the targets at once, each in a thread of its own)
//   FUZZ_FIXTURES=dir1:dir2 (more captured frames; by default ../shared/fixtures next to the checkout, if present)
//
// Input `i` of seed `s` depends on (s, i) only: FUZZ_SEED=s FUZZ_FROM=i FUZZ_FRAMES=1 feeds that input again.
// The splitter and the decoders run in worker threads watched from here: a worker stuck on one input is stopped and
// the input counted as a hang; a worker that dies (out of memory, say) counts a crash; both resume after that input.
import { randomInt } from "node:crypto"
import { fuzzFrame } from "./FrameMutations.js"
import { type LiveReport, runLive } from "./FuzzLive.js"
import { fixtureDirectories, loadSeeds } from "./FuzzSeeds.js"
import { emptyTally, type Finding, finding, mergeTally, type Tally } from "./FuzzTally.js"
import { runSync, type SyncTarget } from "./FuzzTargets.js"
import { startWorker } from "./Workers.js"

export type FuzzTarget = SyncTarget | "live"

export interface FuzzOptions {
  readonly frames?: number
  readonly seed?: number
  /** The first input's index (to repeat part of a run). */
  readonly from?: number
  readonly targets?: ReadonlyArray<FuzzTarget>
  /** Inputs slower than this count as hangs. */
  readonly hangMillis?: number
  /** Runs the in-process targets in watched worker threads (the standalone program does; tests run them inline). */
  readonly isolate?: boolean
  /** Frames for the live target (by default as many as for the others). */
  readonly liveFrames?: number
  readonly liveConcurrency?: number
  /** Runs the targets at once (each in a thread of its own when isolated), not one after another. */
  readonly parallel?: boolean
  readonly collectGarbage?: boolean
  readonly directories?: ReadonlyArray<string>
  readonly log?: (line: string) => void
}

export interface FuzzReport {
  readonly seed: number
  readonly frames: number
  readonly seedFrames: number
  readonly tallies: ReadonlyArray<Tally>
  readonly live: LiveReport | undefined
  readonly failed: boolean
}

/** Runs a target in worker threads, one after another, each resuming after an input its predecessor stuck on. */
const runIsolated = async (
  target: SyncTarget,
  directories: ReadonlyArray<string>,
  seed: number,
  from: number,
  to: number,
  hangMillis: number
): Promise<Tally> => {
  let tally = emptyTally(target)
  let next = from
  const seeds = loadSeeds([...directories])
  while (next < to) {
    const progress = new SharedArrayBuffer(4)
    const marks = new Int32Array(progress)
    Atomics.store(marks, 0, next)
    const worker = startWorker("fuzz-worker", { target, seed, from: next, to, hangMillis, directories, progress })
    const ended = await new Promise<Tally | { readonly at: number; readonly what: string }>((resolve) => {
      let last = next
      let since = Date.now()
      const timer = setInterval(() => {
        const now = Atomics.load(marks, 0)
        if (now !== last) {
          last = now
          since = Date.now()
        } else if (Date.now() - since > Math.max(10_000, hangMillis * 10)) {
          clearInterval(timer)
          void worker.terminate()
          resolve({ at: now, what: `stuck for ${Date.now() - since} ms, the worker was stopped` })
        }
      }, 100)
      worker.once("message", (t: Tally) => {
        clearInterval(timer)
        resolve(t)
      })
      worker.once("error", (e) => {
        clearInterval(timer)
        resolve({ at: Atomics.load(marks, 0), what: `the worker died: ${String(e)}` })
      })
      // An exit with no tally (after an error the promise is settled already, and this does nothing).
      worker.once("exit", (code) => {
        clearInterval(timer)
        setImmediate(() => resolve({ at: Atomics.load(marks, 0), what: `the worker exited with code ${code}` }))
      })
    })
    if ("target" in ended) {
      tally = mergeTally(tally, ended)
      break
    }
    const lost: Tally = { ...emptyTally(target), frames: ended.at - next + 1 }
    const input = fuzzFrame(seeds, seed, ended.at)
    if (ended.what.startsWith("stuck")) {
      lost.hangs = 1
      lost.firstHang = finding(target, ended.at, ended.what, input)
    } else {
      lost.crashes = 1
      lost.firstCrash = finding(target, ended.at, ended.what, input)
    }
    tally = mergeTally(tally, lost)
    next = ended.at + 1
  }
  return tally
}

const n = (x: number) => Math.round(x).toLocaleString("en-US")

const table = (rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
}

const describeFinding = (kind: string, f: Finding, seed: number): Array<string> => [
  `first ${kind} in ${f.target}: input ${f.index} (FUZZ_SEED=${seed} FUZZ_FROM=${f.index} FUZZ_FRAMES=1): ${f.what}`,
  `  made from ${f.how}`,
  `  hex ${f.hex}`
]

/** The table and the findings of a run. */
const report = (
  log: (line: string) => void,
  seed: number,
  tallies: ReadonlyArray<Tally>,
  wall: ReadonlyArray<number>
) => {
  const rows = [["target", "frames", "frames/s", "wall s", "values", "typed errors", "crashes", "hangs", "mismatches"]]
  tallies.forEach((t, i) => {
    const perSecond = n(t.frames / (t.busyMs / 1000))
    rows.push([t.target, n(t.frames), perSecond, (wall[i]! / 1000).toFixed(1), n(t.ok), n(t.typed)])
    rows.at(-1)!.push(n(t.crashes), n(t.hangs), n(t.mismatches))
  })
  for (const line of table(rows)) log(line)
  log(
    "(frames/s: time in the target, making the inputs left out; values and typed errors: decoder calls or, live, calls)"
  )
  for (const t of tallies) {
    log(`${t.target}: slowest input ${t.slowestIndex >= 0 ? t.slowestIndex : "-"} took ${t.slowestMs.toFixed(1)} ms`)
    if (t.firstCrash) describeFinding("crash", t.firstCrash, seed).forEach((l) => log(l))
    if (t.firstHang) describeFinding("hang", t.firstHang, seed).forEach((l) => log(l))
    if (t.firstMismatch) describeFinding("mismatch", t.firstMismatch, seed).forEach((l) => log(l))
    if (t.masked > 0) {
      log(`${t.target}: ${n(t.masked)} typed errors made from a foreign exception (ProtocolError offset -1)`)
      if (t.firstMasked) describeFinding("such error", t.firstMasked, seed).forEach((l) => log(l))
    }
  }
}

/** What the live target saw beyond its row. */
const reportLive = (log: (line: string) => void, live: LiveReport) => {
  const errors = Object.entries(live.errors).map(([tag, count]) => `${tag} ${n(count)}`).join(", ")
  log(
    `live: ${n(live.tally.frames)} frames sent (${n(live.ending)} of them ending their connection), of`
      + ` ${n(live.generated)} made: nine in ten frames that would end their connection are skipped`
  )
  log(`live: ${n(live.calls)} calls: ${n(live.tally.ok)} answered; ${errors || "no errors"}`)
  for (const [tag, message] of Object.entries(live.firstErrors)) log(`live: first ${tag}: ${message}`)
  log(
    `live: ${n(live.connections)} connections, ${n(live.held)} of them went silent; ${live.openConnectionsAfter}`
      + ` open at the end; ${n(live.answers)} peer requests answered, ${n(live.handlerCalls)} by a handler;`
      + ` ${n(live.unreadable)} unreadable client frames`
  )
  log(
    `live: heap ${live.heapMb.start.toFixed(1)} MB at the start, ${live.heapMb.peak.toFixed(1)} MB at most,`
      + ` ${live.heapMb.end.toFixed(1)} MB at the end (after a collection); peak RSS ${live.peakRssMb.toFixed(0)} MB`
  )
  for (const [text, count] of Object.entries(live.logs)) log(`live: logged ${n(count)} times: ${text}`)
}

/**
 * Runs the fuzz targets and prints what they found; `failed` when there was a crash, a hang, a mismatch, or a client
 * frame the live peer could not read.
 */
export const run = async (options: FuzzOptions = {}): Promise<FuzzReport> => {
  const log = options.log ?? ((line: string) => console.log(line))
  const frames = options.frames ?? 1_000_000
  const liveFrames = options.liveFrames ?? frames
  const seed = options.seed ?? randomInt(2 ** 31)
  const from = options.from ?? 0
  const hangMillis = options.hangMillis ?? 1000
  const targets = options.targets ?? ["splitter", "decoders", "live"]
  const directories = options.directories ?? fixtureDirectories()
  const seeds = loadSeeds([...directories])
  log(
    `fuzz: seed ${seed} (FUZZ_SEED), inputs from ${n(from)}: ${n(frames)} for each of ${targets.join(", ")}`
      + (targets.includes("live") && liveFrames !== frames ? ` (${n(liveFrames)} for live)` : "")
  )
  log(
    `seeds: ${seeds.length} frames (captured, and LZ4/Zstandard/V2 variants of pull responses) from`
      + ` ${directories.join(", ")}`
  )
  const timed = async (work: () => Promise<Tally> | Tally) => {
    const started = performance.now()
    const tally = await work()
    return { tally, wall: performance.now() - started }
  }
  const sync = targets.filter((t): t is SyncTarget => t !== "live").map((target) => () =>
    timed(() =>
      options.isolate
        ? runIsolated(target, directories, seed, from, from + frames, hangMillis)
        : runSync(target, seeds, seed, from, from + frames, hangMillis)
    )
  )
  let live: LiveReport | undefined
  const liveRun = targets.includes("live")
    ? [() =>
      timed(async () => {
        live = await runLive({
          seeds,
          seed,
          frames: liveFrames,
          from,
          collectGarbage: options.collectGarbage ?? false,
          ...(options.isolate ? { peerWorker: { directories } } : {}),
          ...(options.liveConcurrency === undefined ? {} : { concurrency: options.liveConcurrency })
        })
        return live.tally
      })]
    : []
  const jobs = [...sync, ...liveRun]
  const results = options.parallel
    ? await Promise.all(jobs.map((job) => job()))
    : await jobs.reduce(
      async (done, job) => [...await done, await job()],
      Promise.resolve([] as Array<{ tally: Tally; wall: number }>)
    )
  const tallies = results.map((r) => r.tally)
  report(log, seed, tallies, results.map((r) => r.wall))
  if (live !== undefined) reportLive(log, live)
  const liveReport = live as LiveReport | undefined
  // Memory is bounded when the heap after the run (and a collection) is within 64 MB of the heap before it.
  const grewMb = options.collectGarbage && liveReport ? liveReport.heapMb.end - liveReport.heapMb.start : 0
  if (liveReport !== undefined && options.collectGarbage) {
    log(`live: memory ${grewMb <= 64 ? "bounded" : "NOT bounded"}: the heap grew ${grewMb.toFixed(1)} MB over the run`)
  }
  const unreadable = liveReport?.unreadable ?? 0
  const failed = unreadable > 0 || grewMb > 64 || tallies.some((t) => t.crashes + t.hangs + t.mismatches > 0)
  const total = (k: "crashes" | "hangs" | "mismatches") => n(tallies.reduce((sum, t) => sum + t[k], 0))
  log(
    `${failed ? "FAILED" : "passed"}: ${total("crashes")} crashes, ${total("hangs")} hangs, ${
      total("mismatches")
    } mismatches`
  )
  return { seed, frames, seedFrames: seeds.length, tallies, live, failed }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env
  const result = await run({
    frames: Number(env.FUZZ_FRAMES ?? 1_000_000),
    ...(env.FUZZ_LIVE_FRAMES === undefined ? {} : { liveFrames: Number(env.FUZZ_LIVE_FRAMES) }),
    ...(env.FUZZ_SEED === undefined ? {} : { seed: Number(env.FUZZ_SEED) }),
    from: Number(env.FUZZ_FROM ?? 0),
    hangMillis: Number(env.FUZZ_HANG_MS ?? 1000),
    ...(env.FUZZ_TARGETS === undefined ? {} : { targets: env.FUZZ_TARGETS.split(",") as Array<FuzzTarget> }),
    parallel: env.FUZZ_PARALLEL === "1",
    isolate: true,
    collectGarbage: true
  })
  process.exitCode = result.failed ? 1 : 0
}
