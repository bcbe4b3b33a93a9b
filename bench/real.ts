// `npm run bench:real`: our client and the Java client on the same real RocketMQ broker, in one run, taking turns
// (interleaved rounds, medians): produce (128 B and 4 KiB, 16 and 64 in flight), the drain of a backlog by a new group,
// and the same backlog read by our bare PULL_MESSAGE loop (the floor). Each client runs in a process of its own; its CPU
// time (utime + stime) and peak RSS (VmHWM) are read from /proc/<pid> between its "go" and its "done". Needs Java 17
// and Maven (the broker and the Java client come from Maven Central, as for `npm run test:real`).
//   BENCH_REAL_LINE=4.9|5 (default 4.9)  BENCH_REAL_MESSAGES (per produce round, default 20000)
//   BENCH_REAL_BACKLOG (default 300000)  BENCH_REAL_ROUNDS (default 3)
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createInterface } from "node:readline"
import * as JavaPeer from "../test/real/support/JavaPeer.js"
import * as RealCluster from "../test/real/support/RealCluster.js"
import { lines } from "../test/real/support/Versions.js"
import { bundleScripts } from "./Bundle.js"
import { benchScript, clientNodeArgs, nodeArgsFor } from "./Scripts.js"

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const messages = env("BENCH_REAL_MESSAGES", 20_000)
const backlog = env("BENCH_REAL_BACKLOG", 300_000)
const rounds = env("BENCH_REAL_ROUNDS", 3)
const clockTicks = 100 // getconf CLK_TCK on Linux

interface Sample {
  readonly ticks: number
  readonly hwmKb: number
}

const sample = (pid: number): Sample | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const hwm = /VmHWM:\s+(\d+)/.exec(status)
    return { ticks: Number(fields[11]) + Number(fields[12]), hwmKb: Number(hwm?.[1] ?? 0) }
  } catch {
    return undefined
  }
}

/** A client process that speaks ready/go/done lines (ours or the Java peer). */
interface Client {
  readonly pid: number
  readonly awaitEvent: (name: string) => Effect.Effect<Record<string, unknown>, Error>
  readonly send: (line: string) => Effect.Effect<void>
}

interface Result {
  readonly rate: number
  readonly cpuMicrosPerMessage: number
  readonly peakRssMb: number
}

/** Ready, then go: measures from go to done, sampling /proc while it runs. */
const measure = (client: Client, timeout: Duration.DurationInput) =>
  Effect.gen(function*() {
    yield* client.awaitEvent("ready")
    let last = sample(client.pid)
    const start = last
    const poll = setInterval(() => {
      last = sample(client.pid) ?? last
    }, 100)
    yield* client.send("go")
    const done = yield* client.awaitEvent("done").pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new Error(`no "done" within ${Duration.format(timeout)}`)
      }),
      Effect.ensuring(Effect.sync(() => clearInterval(poll)))
    )
    const end = sample(client.pid) ?? last
    const count = Number(done.count)
    return {
      rate: count / (Number(done.elapsedMs) / 1000),
      cpuMicrosPerMessage: (((end?.ticks ?? 0) - (start?.ticks ?? 0)) / clockTicks) * 1e6 / count,
      peakRssMb: (end?.hwmKb ?? 0) / 1024
    } satisfies Result
  })

const ourClient = benchScript("real-client")

const spawnOurs = (args: ReadonlyArray<string>, script = ourClient) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child: ChildProcess = spawn(process.execPath, [
        ...nodeArgsFor(script),
        ...clientNodeArgs(),
        script,
        ...args
      ], {
        stdio: ["pipe", "pipe", "inherit"]
      })
      const events: Array<Record<string, unknown>> = []
      const waiting: Array<{ name: string; deferred: Deferred.Deferred<Record<string, unknown>, Error> }> = []
      const settle = () => {
        for (const w of waiting) {
          const found = events.find((e) => e.event === w.name || e.event === "error")
          if (found) {
            Deferred.unsafeDone(
              w.deferred,
              found.event === "error" ? Effect.fail(new Error(String(found.message))) : Effect.succeed(found)
            )
          }
        }
      }
      createInterface({ input: child.stdout! }).on("line", (line) => {
        try {
          events.push(JSON.parse(line))
        } catch {
          return
        }
        settle()
      })
      const exited = Deferred.unsafeMake<void>(undefined as never)
      child.on("exit", (code) => {
        events.push({ event: "error", message: `our client exited with ${code}` })
        settle()
        Deferred.unsafeDone(exited, Effect.void)
      })
      const client: Client = {
        pid: child.pid ?? -1,
        awaitEvent: (name) =>
          Effect.suspend(() => {
            const deferred = Deferred.unsafeMake<Record<string, unknown>, Error>(undefined as never)
            waiting.push({ name, deferred })
            settle()
            return Deferred.await(deferred)
          }),
        send: (line) => Effect.sync(() => void child.stdin!.write(`${line}\n`))
      }
      return { child, client, exited }
    }),
    // The client ends on its own once done (a profile asked for by BENCH_CLIENT_ARGS is written then); killed if not.
    ({ child, exited }) =>
      Deferred.await(exited).pipe(
        Effect.timeoutOption("10 seconds"),
        Effect.ensuring(Effect.sync(() => child.kill("SIGKILL")))
      )
  ).pipe(Effect.map(({ client }) => client))

const spawnJava = (version: string, args: ReadonlyArray<string>) =>
  Effect.map(JavaPeer.start(version, args), (peer): Client => ({
    pid: peer.pid,
    awaitEvent: (name) =>
      peer.awaitEvent((e) => e.event === name, "10 minutes", name).pipe(
        Effect.map((e) => e as unknown as Record<string, unknown>),
        Effect.mapError((e) => new Error(e.message))
      ),
    send: (line) => Effect.orDie(peer.send(line))
  }))

const median = (results: ReadonlyArray<Result>): Result => {
  const pick = (f: (r: Result) => number) => [...results].map(f).sort((a, b) => a - b)[Math.floor(results.length / 2)]!
  return {
    rate: pick((r) => r.rate),
    cpuMicrosPerMessage: pick((r) => r.cpuMicrosPerMessage),
    peakRssMb: pick((r) => r.peakRssMb)
  }
}

/** One run of a client, measured, in a scope of its own (its process gone after). */
const measured = <E>(client: Effect.Effect<Client, E, Scope.Scope>, timeout: Duration.DurationInput) =>
  Effect.scoped(Effect.flatMap(client, (c) => measure(c, timeout)))

/**
 * One row: ours (compiled, and bundled by esbuild: `bundled` is its script) and Java's, `rounds` times each, taking
 * turns, in scopes of their own (processes gone after).
 */
const pair = (
  bundled: string,
  ours: ReadonlyArray<string>,
  java: ReadonlyArray<string>,
  version: string,
  timeout: Duration.DurationInput,
  argsFor?: (round: number) => { ours: ReadonlyArray<string>; java: ReadonlyArray<string> }
) =>
  Effect.gen(function*() {
    const oursRuns: Array<Result> = []
    const bundledRuns: Array<Result> = []
    const javaRuns: Array<Result> = []
    for (let round = 0; round < rounds; round++) {
      const args = argsFor?.(round) ?? { ours, java }
      oursRuns.push(yield* measured(spawnOurs(args.ours), timeout))
      // The same arguments, another group for a drain (a group's second drain would find its offsets committed).
      const bundledArgs = args.ours.map((a) => a.startsWith("bench_drain_ours_") ? `${a}_bundled` : a)
      bundledRuns.push(yield* measured(spawnOurs(bundledArgs, bundled), timeout))
      javaRuns.push(yield* measured(spawnJava(version, args.java), timeout))
    }
    return { ours: median(oursRuns), bundled: median(bundledRuns), java: median(javaRuns) }
  })

/** Ours alone (compiled and bundled), `rounds` times each, taking turns. */
const oursOnly = (
  argsFor: (round: number) => ReadonlyArray<string>,
  bundled: string,
  timeout: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const oursRuns: Array<Result> = []
    const bundledRuns: Array<Result> = []
    for (let round = 0; round < rounds; round++) {
      oursRuns.push(yield* measured(spawnOurs(argsFor(round)), timeout))
      bundledRuns.push(yield* measured(spawnOurs(argsFor(round), bundled), timeout))
    }
    return { ours: median(oursRuns), bundled: median(bundledRuns) }
  })

const fmt = (n: number) => n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)

const cell = (r: Result) => `${fmt(r.rate)} msg/s, ${fmt(r.cpuMicrosPerMessage)} µs, ${fmt(r.peakRssMb)} MB`
const ratios = (ours: Result, java: Result) =>
  `${(ours.rate / java.rate).toFixed(2)}x | ${(ours.cpuMicrosPerMessage / java.cpuMicrosPerMessage).toFixed(2)}x`

const printRow = (work: string, r: { ours: Result; bundled: Result; java: Result }) =>
  console.log(
    `| ${work} | ${cell(r.ours)} | ${cell(r.bundled)} | ${cell(r.java)} | ${ratios(r.ours, r.java)} | ${
      ratios(r.bundled, r.java)
    } |`
  )

export const run = Effect.gen(function*() {
  const line = lines.find((l) => l.line === (process.env.BENCH_REAL_LINE ?? "4.9")) ?? lines[0]!
  const cluster = yield* RealCluster.make({ line })
  // Ours also bundled by esbuild, as an application is deployed (bench/Bundle.ts).
  const bundles = yield* Effect.acquireRelease(
    Effect.promise(() => bundleScripts(["real-client"])),
    (b) => Effect.promise(() => b.remove())
  )
  const bundled = bundles.path("real-client")
  const ns = cluster.nameServerAddress
  console.log(
    `\nReal broker: RocketMQ ${line.servers} (one broker), Java client ${line.client} (its JVM capped at -Xmx256m), our client compiled and bundled by esbuild; ${rounds} interleaved rounds, medians; CPU = the client process's utime+stime per message; RSS = its peak (VmHWM)\n`
  )
  console.log(
    "| work | ours | ours, bundled | Java client | rate ours/Java | CPU ours/Java | rate bundled/Java | CPU bundled/Java |"
  )
  console.log("|---|---|---|---|---|---|---|---|")
  for (const size of [128, 4096]) {
    for (const inflight of [16, 64]) {
      const topic = `BenchProduce_${size}_${inflight}`
      const common = [
        "--namesrv",
        ns,
        "--topic",
        topic,
        "--size",
        String(size),
        "--inflight",
        String(inflight),
        "--count",
        String(messages)
      ]
      const r = yield* pair(
        bundled,
        ["bench-produce", ...common],
        ["bench-produce", ...common],
        line.client,
        "5 minutes"
      )
      printRow(`produce ${size} B, ${inflight} in flight`, r)
    }
  }
  // The backlog, written by our producer (64 in flight) before the drains.
  const topic = "BenchDrain"
  yield* measured(
    spawnOurs([
      "bench-produce",
      "--namesrv",
      ns,
      "--topic",
      topic,
      "--size",
      "128",
      "--inflight",
      "64",
      "--count",
      String(backlog)
    ]),
    "10 minutes"
  )
  const r = yield* pair(bundled, [], [], line.client, "10 minutes", (round) => {
    const args = (
      who: string
    ) => [
      "bench-drain",
      "--namesrv",
      ns,
      "--topic",
      topic,
      "--group",
      `bench_drain_${who}_${round}_${Date.now()}`,
      "--count",
      String(backlog)
    ]
    return { ours: args("ours"), java: args("java") }
  })
  printRow(`drain a ${fmt(backlog)}-message backlog (128 B, new group, push consumer)`, r)
  // The floor of that drain on this broker: our bare PULL_MESSAGE loop over the same backlog (nothing to compare on
  // Java's side). What the push consumer costs beyond it is its own work; the rest is the transport, the decoding and
  // the kernel's.
  const bare = yield* oursOnly(
    (round) => [
      "bench-bare-drain",
      "--namesrv",
      ns,
      "--topic",
      topic,
      "--group",
      `bench_bare_${round}_${Date.now()}`,
      "--count",
      String(backlog)
    ],
    bundled,
    "10 minutes"
  )
  console.log(
    `| the same backlog read by a bare PULL_MESSAGE loop (ours; the floor: decoding, transport, kernel) | ${
      cell(bare.ours)
    } | ${cell(bare.bundled)} | (none) | | | | |`
  )
}).pipe(Effect.scoped)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(run).then(() => process.exit(0), (error) => {
    console.error(error)
    process.exit(1)
  })
}
