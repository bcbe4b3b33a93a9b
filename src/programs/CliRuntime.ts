// How the programs (the CLI and `npm start`) talk to a terminal: logs on stderr, one line each and repeated lines
// held back; no ANSI escapes unless the stream is a terminal and NO_COLOR is unset; an expected error as one line
// (its tag and message), its cause shown with --verbose or ROCKETMQ_DEBUG=1; and the exit code (0 success, 1 the
// work failed, 2 bad usage).
import { ValidationError } from "@effect/cli"
import { NodeRuntime } from "@effect/platform-node"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Predicate from "effect/Predicate"

/** Exit codes: the work succeeded, the work failed, the command line was wrong. */
export const ExitCode = { success: 0, failure: 1, usage: 2 } as const

/** Tags of errors that mean the command line (or the environment it reads) was wrong. */
const USAGE_TAGS: ReadonlySet<string> = new Set(["UsageError", "ClientConfigError"])

/** `ROCKETMQ_DEBUG=1` (or true, yes, on). */
export const debugFromEnv: Effect.Effect<boolean> = Config.boolean("ROCKETMQ_DEBUG").pipe(
  Config.withDefault(false),
  Effect.orElseSucceed(() => false)
)

/** Whether a stream may get ANSI escapes: a terminal, and NO_COLOR unset or empty. */
const colorsOn = (stream: "stdout" | "stderr") =>
  Effect.sync(() => (process.env.NO_COLOR ?? "") === "" && process[stream].isTTY === true)

const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g")

const plain = (args: ReadonlyArray<unknown>, trimEnd: boolean) =>
  args.map((a) => {
    if (typeof a !== "string") return a
    const text = a.replace(ESCAPES, "")
    return trimEnd ? text.replace(/\s+$/, "") : text
  })

/**
 * The console with escapes taken out of what goes to a stream that should not get them. Error output also loses
 * trailing blank lines (the parser's messages end in two).
 */
const withPlainConsole = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.console
    const stdoutColors = yield* colorsOn("stdout")
    const stderrColors = yield* colorsOn("stderr")
    const wrapped: Console.Console = {
      ...base,
      log: (...args) => base.log(...(stdoutColors ? args : plain(args, false))),
      error: (...args) => base.error(...plain(args, !stderrColors))
    }
    return yield* Effect.withConsole(effect, wrapped)
  })

/** JSON text of a value (bigints as text); `String(value)` for what JSON cannot hold (a cycle). */
const safeJson = (value: unknown): string =>
  Either.getOrElse(
    Either.try(() => JSON.stringify(value, (_, v) => typeof v === "bigint" ? v.toString() : v)),
    () => String(value)
  )

const tagOf = (e: unknown) => Predicate.hasProperty(e, "_tag") && typeof e._tag === "string" ? e._tag : undefined

/** An error as one line: its tag (or class name) and its message. */
export const describeError = (error: unknown): string => {
  if (error instanceof Error || Predicate.hasProperty(error, "_tag")) {
    const e = error as { readonly _tag?: unknown; readonly name?: unknown; readonly message?: unknown }
    const tag = typeof e._tag === "string" ? e._tag : typeof e.name === "string" ? e.name : "Error"
    const message = typeof e.message === "string" ? e.message.split("\n")[0]! : ""
    if (message !== "") return `${tag}: ${message}`
    const { _tag: _, ...fields } = error as Record<string, unknown>
    return Object.keys(fields).length === 0 ? tag : `${tag} ${safeJson(fields)}`
  }
  return typeof error === "string" ? error : safeJson(error)
}

/** A cause as one line: its distinct failures and defects; `undefined` when it holds neither. */
const describeCause = (cause: Cause.Cause<unknown>): string | undefined => {
  const all = [...Cause.failures(cause), ...Cause.defects(cause)].map(describeError)
  return all.length === 0 ? undefined : [...new Set(all)].join("; ")
}

const twoDigits = (n: number, width = 2) => String(n).padStart(width, "0")
const clockTime = (d: Date) =>
  `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}:${twoDigits(d.getSeconds())}.${
    twoDigits(d.getMilliseconds(), 3)
  }`

/** A line printed again within this long is held back. */
const REPEAT_WINDOW_MILLIS = 60_000

/**
 * A logger writing one line per entry to stderr (through the `Console` service): time, level, message, annotations
 * and the cause in one line; a line the same as one printed in the last minute is held back (the same warning
 * from many calls in flight prints once). Each logger made has its own memory of lines.
 */
const compactLogger = Effect.sync(() => {
  const printed = new Map<string, number>()
  return Logger.make(({ annotations, cause, context, date, logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map((m) =>
      typeof m === "string" ? m : Cause.isCause(m) ? describeCause(m) ?? "" : describeError(m)
    ).join(" ")
    const fields = [...HashMap.toEntries(annotations)].map(([k, v]) =>
      `${k}=${typeof v === "string" && !/\s/.test(v) ? v : safeJson(v)}`
    )
    const why = describeCause(cause)
    const line = `${logLevel.label} ${text}${fields.length > 0 ? ` (${fields.join(", ")})` : ""}${
      why === undefined ? "" : `: ${why}`
    }`
    const now = date.getTime()
    const last = printed.get(line)
    if (last !== undefined && now - last < REPEAT_WINDOW_MILLIS) return
    printed.set(line, now)
    const services = FiberRefs.getOrDefault(context, DefaultServices.currentServices)
    Context.get(services, Console.Console).unsafe.error(`${clockTime(date)} ${line}`)
  })
})

/** The programs' logger: compact lines, or with `verbose` every entry with its whole cause (stacks included). */
const loggerLayer = (verbose: boolean) =>
  verbose
    ? Layer.unwrapEffect(Effect.map(
      colorsOn("stderr"),
      (colors) => Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors }))
    ))
    : Logger.replaceEffect(Logger.defaultLogger, compactLogger)

/** Runs `effect` with the programs' logger and console. */
export const withTerminal = (verbose: boolean) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  withPlainConsole(Effect.provide(effect, loggerLayer(verbose)))

/**
 * Reports a failed run on stderr and answers its exit code: an interruption is 0 (Ctrl-C); the parser's errors
 * (printed by the parser already) and `UsageError`s are 2; anything else is 1, one line per distinct error, with
 * the whole cause after it when `verbose`.
 */
export const reportFailure = (cause: Cause.Cause<unknown>, verbose: boolean): Effect.Effect<number> =>
  Effect.gen(function*() {
    if (Cause.isInterruptedOnly(cause)) return ExitCode.success
    const failures = [...Cause.failures(cause)]
    if (failures.some(ValidationError.isValidationError)) return ExitCode.usage
    const lines = [...new Set([...failures, ...Cause.defects(cause)].map(describeError))]
    for (const line of lines) yield* Console.error(`error: ${line}`)
    if (verbose) yield* Console.error(Cause.pretty(cause, { renderErrorCause: true }))
    const usage = failures.length > 0 && failures.every((e) => USAGE_TAGS.has(tagOf(e) ?? ""))
    return usage ? ExitCode.usage : ExitCode.failure
  })

/** Runs a program's main effect, answering an exit code, as the process: Ctrl-C interrupts it (exit code 0). */
export const runMain = (program: Effect.Effect<number>): void =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) =>
      onExit(
        Exit.isSuccess(exit)
          ? Number(exit.value)
          : Cause.isInterruptedOnly(exit.cause)
          ? ExitCode.success
          : ExitCode.failure
      )
  })
