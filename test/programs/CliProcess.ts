// The CLI and `npm start` run as child processes, as a user runs them: what they print on stdout and stderr, and how
// they exit. Every wait is for an outcome (a line, the exit) within a bound; a process still running when its
// scope closes is killed and awaited.
import type { Duration } from "effect"
import { Data, Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"

/** A wait for a child process's outcome that ran out of time. */
export class ProcessWaitError extends Data.TaggedError("ProcessWaitError")<{
  readonly what: string
  readonly stdout: string
  readonly stderr: string
}> {
  override get message(): string {
    return `timed out waiting for ${this.what}\n--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`
  }
}

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Wall time from the spawn to the exit. */
  readonly millis: number
}

export interface CliProcess {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Waits until the stream has a complete line matching `pattern`; answers it. */
  readonly line: (
    stream: "stdout" | "stderr",
    pattern: RegExp,
    bound?: Duration.DurationInput
  ) => Effect.Effect<string, ProcessWaitError>
  /** Waits for the exit (stdout and stderr read to their end). */
  readonly exit: (bound?: Duration.DurationInput) => Effect.Effect<Exited, ProcessWaitError>
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** Variables of the test's environment the programs read, left out so each test sets what it means. */
const UNSET = [
  "ROCKETMQ_NAMESRV_ADDR",
  "NAMESRV_ADDR",
  "ROCKETMQ_NAMESRV_DOMAIN",
  "ROCKETMQ_DEBUG",
  "NO_COLOR",
  "FORCE_COLOR"
]

/** The bin (on dist/, which the suite's global set-up builds) and `npm start`'s program (run with tsx, as it does). */
const ENTRY = {
  cli: ["bin/effect-rocketmq.js"],
  main: ["--import", "tsx", "src/programs/main.ts"]
} as const

/** Starts the bin, or `npm start`'s program, with `args`; killed (and awaited) when the scope closes. */
export const startProcess = (
  args: ReadonlyArray<string>,
  options: { readonly program?: keyof typeof ENTRY; readonly env?: Record<string, string> } = {}
): Effect.Effect<CliProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const env: Record<string, string | undefined> = { ...process.env }
      for (const name of UNSET) delete env[name]
      const started = performance.now()
      const child = spawn(process.execPath, [...ENTRY[options.program ?? "cli"], ...args], {
        env: { ...env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const text = { stdout: "", stderr: "" }
      const listeners = new Set<() => void>()
      const changed = () => listeners.forEach((l) => l())
      child.stdout!.setEncoding("utf8").on("data", (d: string) => (text.stdout += d, changed()))
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (text.stderr += d, changed()))
      const closed = new Promise<Omit<Exited, "stdout" | "stderr">>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal, millis: performance.now() - started }))
      )
      const failure = (what: string) => new ProcessWaitError({ what, stdout: text.stdout, stderr: text.stderr })
      const line = (stream: "stdout" | "stderr", pattern: RegExp, bound: Duration.DurationInput = "20 seconds") =>
        Effect.async<string>((resume) => {
          const look = () => {
            const found = text[stream].split("\n").slice(0, -1).find((l) => pattern.test(l))
            if (found !== undefined) {
              listeners.delete(look)
              resume(Effect.succeed(found))
            }
          }
          listeners.add(look)
          look()
          return Effect.sync(() => void listeners.delete(look))
        }).pipe(Effect.timeoutFail({ duration: bound, onTimeout: () => failure(`${stream} line ${pattern}`) }))
      const exit = (bound: Duration.DurationInput = "30 seconds") =>
        Effect.promise(() => closed).pipe(
          Effect.map((e): Exited => ({ ...e, stdout: text.stdout, stderr: text.stderr })),
          Effect.timeoutFail({ duration: bound, onTimeout: () => failure("the exit") })
        )
      const kill = (signal: NodeJS.Signals) => Effect.sync(() => void child.kill(signal))
      return { child, stdout: () => text.stdout, stderr: () => text.stderr, line, exit, kill, closed }
    }),
    (p) =>
      p.child.exitCode !== null || p.child.signalCode !== null
        ? Effect.void
        : Effect.zipRight(p.kill("SIGKILL"), Effect.promise(() => p.closed))
  )

/** Runs a command to its end: exit code, stdout, stderr. */
export const run = (
  args: ReadonlyArray<string>,
  options: {
    readonly program?: keyof typeof ENTRY
    readonly env?: Record<string, string>
    readonly bound?: Duration.DurationInput
  } = {}
): Effect.Effect<Exited, ProcessWaitError> =>
  Effect.scoped(Effect.flatMap(startProcess(args, options), (p) => p.exit(options.bound)))

/** The lines of a stream's text, the empty last one left out. */
export const lines = (text: string): ReadonlyArray<string> =>
  text.split("\n").filter((l, i, all) => l !== "" || i < all.length - 1)
