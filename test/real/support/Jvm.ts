// One RocketMQ server JVM of a real cluster: started, awaited until it says it is up, killed when its scope closes.
import { Deferred, Duration, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { createWriteStream } from "node:fs"
import { PortInUseError, ProcessFailedError, ToolMissingError } from "./RealSetupError.js"

/** The JVMs of one run of the real suite carry its id (the suite's global set-up sets it; else this process's pid). */
export const markerPrefix = "-Deffect.rocketmq.real="
export const runId = process.env.EFFECT_ROCKETMQ_REAL_RUN ?? String(process.pid)

/** Every JVM the real suite starts carries this, so the suite can check that none is left (`Leaks.ts`). */
export const marker = `${markerPrefix}${runId}`

export interface JvmOptions {
  readonly name: string
  readonly classpath: string
  readonly mainClass: string
  readonly args: ReadonlyArray<string>
  readonly jvmOptions: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  /** Its stdout and stderr go here. */
  readonly log: string
  /** A line of its output that says it is up. */
  readonly readyLine: string
  /** The port it listens on, to name in a `PortInUseError`. */
  readonly port: number
  readonly startTimeout?: Duration.DurationInput
}

export interface JvmProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  /** The last `n` lines of its output. */
  readonly tail: (n: number) => string
  /** kill -9; waits until it has exited. */
  readonly kill: Effect.Effect<void>
}

/** Lines kept in memory for a failure's output (the whole log is in the file). */
const keptLines = 400

export const spawnJvm = (options: JvmOptions) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const lines: Array<string> = []
      let partial = ""
      const out = createWriteStream(options.log, { flags: "a" })
      const child = spawn("java", [
        ...options.jvmOptions,
        marker,
        "-cp",
        options.classpath,
        options.mainClass,
        ...options.args
      ], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] })
      const ready = Deferred.unsafeMake<void, ToolMissingError | ProcessFailedError | PortInUseError>(
        undefined as never
      )
      const exited = Deferred.unsafeMake<number | null>(undefined as never)
      const tail = (n: number) => lines.slice(-n).join("\n")
      const onData = (chunk: Buffer) => {
        out.write(chunk)
        const text = partial + chunk.toString("utf8")
        const parts = text.split("\n")
        partial = parts.pop() ?? ""
        for (const line of parts) {
          // 5.x's logback reports its own configuration on stdout, line by line: kept in the file only.
          if (line.includes("|-INFO in ")) continue
          lines.push(line)
          if (line.includes(options.readyLine)) Deferred.unsafeDone(ready, Exit.void)
        }
        if (lines.length > keptLines * 2) lines.splice(0, lines.length - keptLines)
      }
      child.stdout.on("data", onData)
      child.stderr.on("data", onData)
      child.on("error", (error: NodeJS.ErrnoException) => {
        Deferred.unsafeDone(
          ready,
          Exit.fail(
            error.code === "ENOENT"
              ? new ToolMissingError({ tool: "java", hint: "the real suite runs RocketMQ on Java 17" })
              : new ProcessFailedError({ name: options.name, reason: `could not start: ${error.message}`, log: "" })
          )
        )
        Deferred.unsafeDone(exited, Exit.succeed(null))
      })
      child.on("exit", (code, signal) => {
        out.end()
        const log = tail(40)
        Deferred.unsafeDone(
          ready,
          Exit.fail(
            /Address already in use|BindException/.test(lines.join("\n"))
              ? new PortInUseError({ port: options.port })
              : new ProcessFailedError({
                name: options.name,
                reason: `exited (${signal ?? `code ${code}`}) before it was up`,
                log
              })
          )
        )
        Deferred.unsafeDone(exited, Exit.succeed(code))
      })
      const kill = Effect.suspend(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return Deferred.await(exited)
      }).pipe(Effect.asVoid)
      const process_: JvmProcess = { name: options.name, pid: child.pid ?? -1, logFile: options.log, tail, kill }
      return { process: process_, ready }
    }),
    ({ process }) => process.kill
  ).pipe(
    // Awaited outside the (uninterruptible) acquisition, so that the start's deadline can interrupt the wait.
    Effect.flatMap(({ process, ready }) => {
      const timeout = options.startTimeout ?? Duration.seconds(120)
      return Deferred.await(ready).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new ProcessFailedError({
              name: options.name,
              reason: `did not say "${options.readyLine}" within ${Duration.format(timeout)}`,
              log: process.tail(40)
            })
        }),
        Effect.tapError(() => process.kill),
        Effect.as(process)
      )
    })
  )
