// The Java peer: Apache RocketMQ's own Java client, run as test/real/java/RealPeer.java, so the real suite can check our
// client against the reference one (messages either sends, the other receives; both in one consumer group).
//
// RealPeer is compiled once per client version and source (cached beside the classpaths, in cacheDir()), and each run
// is a JVM that speaks JSON lines on stdout (see RealPeer.java for the commands and their events). A run is a scoped
// resource: closing its scope sends "stop", waits up to 10 s and then kills the JVM, so none outlives its test; every
// JVM also carries the suite's marker (-Deffect.rocketmq.real=1: Leaks.ts finds them in /proc/*/cmdline), and a peer
// waiting on its stdin ends by itself when that closes (when this process dies).
import type { Scope } from "effect"
import { Deferred, Duration, Effect, Option, PubSub, Stream } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { constants, tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { marker } from "./Jvm.js"
import type { ResolveError } from "./RealSetupError.js"
import { ProcessFailedError, ToolMissingError } from "./RealSetupError.js"
import { cacheDir, classpath, realDir, run } from "./RocketMQJars.js"

const source = join(realDir, "java", "RealPeer.java")

/** A queue as RealPeer names it. */
export interface PeerQueue {
  readonly brokerName: string
  readonly queueId: number
}

/** The events RealPeer prints, by name (see RealPeer.java). */
export interface PeerEvents {
  readonly sent: {
    readonly msgId: string
    readonly offsetMsgId: string
    readonly queueId: number
    readonly queueOffset: number
    readonly status: string
    readonly brokerName: string
  }
  readonly message: {
    readonly topic: string
    readonly tags: string | null
    readonly keys: string | null
    /** Every property of the message as the Java client has it (user and system ones). */
    readonly properties: Readonly<Record<string, string>>
    readonly bodyBase64: string
    readonly msgId: string
    readonly offsetMsgId: string
    readonly queueId: number
    readonly queueOffset: number
    readonly reconsumeTimes: number
    readonly bornTimestamp: number
    readonly storeTimestamp: number
    readonly brokerName: string
    /** How RealPeer answered this delivery (`retry` while `--fail-times` wants it redelivered). */
    readonly status: "success" | "retry"
    /** The how-manieth delivery of this msgId to this peer (1 for the first). */
    readonly delivery: number
  }
  /** A request the `reply` command answered (the request as in `message`), and how its reply's send went. */
  readonly replied: Omit<PeerEvents["message"], "status" | "delivery"> & { readonly sendStatus: string }
  /** A reply the `request` command received. */
  readonly reply: {
    readonly topic: string
    readonly properties: Readonly<Record<string, string>>
    readonly bodyBase64: string
  }
  readonly assigned: { readonly queues: ReadonlyArray<PeerQueue> }
  readonly started: object
  readonly ready: object
  readonly stopped: object
  readonly done: {
    readonly count: number
    readonly deliveries?: number
    readonly elapsedMs?: number
    readonly failed?: number
  }
  readonly error: { readonly message: string }
}

export type PeerEventName = keyof PeerEvents

/** One line RealPeer printed. */
export type PeerEvent = { readonly [K in PeerEventName]: { readonly event: K } & PeerEvents[K] }[PeerEventName]

/** The event of that name. */
export type PeerEventOf<K extends PeerEventName> = Extract<PeerEvent, { readonly event: K }>

/** A predicate that keeps the events of a name (and, if given, those of them `also` accepts). */
export const isEvent = <K extends PeerEventName>(
  name: K,
  also?: (event: PeerEventOf<K>) => boolean
): (event: PeerEvent) => event is PeerEventOf<K> => {
  const predicate = (event: PeerEvent): event is PeerEventOf<K> =>
    event.event === name && (also === undefined || also(event as PeerEventOf<K>))
  // What a failed wait says it waited for.
  return Object.defineProperty(predicate, "name", {
    value: also === undefined ? `a "${name}" event` : `a "${name}" event that ${also.name || "its condition"} accepts`
  })
}

/** A running RealPeer. */
export interface JavaPeer {
  readonly pid: number
  /** How errors name it: `RealPeer <command> (client <version>)`. */
  readonly name: string
  /** Its home (user.home of the JVM): the client's logs (logs/rocketmqlogs) and broadcast offsets live there. */
  readonly home: string
  /** Every event since it started (replayed for each run of the stream), ending when the process exits. */
  readonly events: Stream.Stream<PeerEvent>
  /** The events so far. */
  readonly received: () => ReadonlyArray<PeerEvent>
  /** Writes a line (`go`, `stop`) to its stdin. */
  readonly send: (line: string) => Effect.Effect<void, ProcessFailedError>
  /**
   * The first event since it started that the predicate accepts, waiting up to `timeout` for it. Fails if the
   * process exits first (or prints an `error` event), or on the timeout, with its stderr tail.
   */
  readonly awaitEvent: {
    <E extends PeerEvent>(
      predicate: (event: PeerEvent) => event is E,
      timeout: Duration.DurationInput,
      what?: string
    ): Effect.Effect<E, ProcessFailedError>
    (
      predicate: (event: PeerEvent) => boolean,
      timeout: Duration.DurationInput,
      what?: string
    ): Effect.Effect<PeerEvent, ProcessFailedError>
  }
  /** Its exit code once it exited (128 + n when killed by signal n). */
  readonly awaitExit: Effect.Effect<number>
  /** The last lines (up to 100) it wrote to stderr. */
  readonly log: () => string
  /** The last lines of the Java client's own log file (it logs there, not to stderr), while the peer's home exists. */
  readonly clientLog: (lines?: number) => string
}

export interface StartOptions {
  /** The JVM's user.home (kept); by default a new directory under the system's tmpdir, removed when the peer ends. */
  readonly home?: string
  /** More JVM options, before the class name. */
  readonly jvmArgs?: ReadonlyArray<string>
}

// ---- compile ----------------------------------------------------------------------------------------------------

/** RealPeer compiled against a client version: the directory of its classes (cached by version and source). */
export const compile = (
  clientVersion: string
): Effect.Effect<string, ToolMissingError | ResolveError | ProcessFailedError> =>
  Effect.gen(function*() {
    const text = readFileSync(source)
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 16)
    const dir = join(cacheDir(), `java-peer-${clientVersion}-${hash}`)
    if (existsSync(join(dir, "RealPeer.class"))) return dir
    const jars = yield* classpath("client", clientVersion)
    mkdirSync(cacheDir(), { recursive: true })
    // Compiled beside and renamed into place, so concurrent workers never see half a directory.
    const scratch = mkdtempSync(`${dir}.tmp-`)
    const result = yield* run("javac", ["-encoding", "UTF-8", "-nowarn", "-d", scratch, "-cp", jars, source]).pipe(
      Effect.ensuring(Effect.sync(() => {
        if (!existsSync(join(scratch, "RealPeer.class"))) rmSync(scratch, { recursive: true, force: true })
      }))
    )
    if (result.code !== 0 || !existsSync(join(scratch, "RealPeer.class"))) {
      return yield* Effect.fail(
        new ProcessFailedError({
          name: `javac RealPeer.java (client ${clientVersion})`,
          reason: `exited with code ${result.code}`,
          log: result.output
        })
      )
    }
    try {
      renameSync(scratch, dir)
    } catch {
      // Another worker put it there first.
      rmSync(scratch, { recursive: true, force: true })
    }
    return dir
  })

// ---- start ------------------------------------------------------------------------------------------------------

const live = new Set<ChildProcess>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL")
  })
}

const tailLines = 100

const withClientLog = (log: string, client: string) =>
  client ? `${log}\n-- the Java client's log (rocketmq_client.log), last lines --\n${client}` : log

const fileTail = (file: string, lines: number) => {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines - 1).join("\n")
  } catch {
    return ""
  }
}

interface Running {
  readonly peer: JavaPeer
  readonly child: ChildProcess
  readonly exited: Deferred.Deferred<number>
  readonly ownHome: boolean
}

/** RealPeer running with the client of that version: `args` are its command and options (see RealPeer.java). */
export const start = (
  clientVersion: string,
  args: ReadonlyArray<string>,
  options: StartOptions = {}
): Effect.Effect<JavaPeer, ToolMissingError | ResolveError | ProcessFailedError, Scope.Scope> =>
  Effect.gen(function*() {
    const classes = yield* compile(clientVersion)
    const jars = yield* classpath("client", clientVersion)
    const running = yield* Effect.acquireRelease(spawnPeer(clientVersion, `${classes}:${jars}`, args, options), stop)
    return running.peer
  })

/**
 * Waits for the exit at most that long (the wait is made interruptible: a release runs uninterruptibly, where a
 * timeout would otherwise wait for the awaited effect to finish).
 */
const exitWithin = (exited: Deferred.Deferred<number>, within: Duration.DurationInput) =>
  Deferred.await(exited).pipe(Effect.interruptible, Effect.timeout(within), Effect.option)

/**
 * Asks it to stop, waits up to 10 s, then kills it; then removes its home if it made it (a failure's message already
 * holds the client log's last lines).
 */
const stop = ({ child, exited, ownHome, peer }: Running) =>
  Effect.gen(function*() {
    if (!(yield* Deferred.isDone(exited))) {
      yield* peer.send("stop").pipe(Effect.interruptible, Effect.timeout("1 second"), Effect.ignore)
      yield* Effect.sync(() => child.stdin!.end())
      if (Option.isNone(yield* exitWithin(exited, "10 seconds"))) {
        yield* Effect.sync(() => child.kill("SIGKILL"))
        yield* exitWithin(exited, "10 seconds")
      }
    }
    if (ownHome) yield* Effect.sync(() => rmSync(peer.home, { recursive: true, force: true }))
  })

const spawnPeer = (
  clientVersion: string,
  cp: string,
  args: ReadonlyArray<string>,
  options: StartOptions
): Effect.Effect<Running, ToolMissingError | ProcessFailedError> =>
  Effect.gen(function*() {
    const name = `RealPeer ${args[0] ?? ""} (client ${clientVersion})`
    const ownHome = options.home === undefined
    const home = options.home ?? mkdtempSync(join(tmpdir(), "effect-rocketmq-peer-"))
    const clientLog = join(home, "logs", "rocketmqlogs", "rocketmq_client.log")
    const pubsub = yield* PubSub.unbounded<Option.Option<PeerEvent>>({ replay: Number.POSITIVE_INFINITY })
    const exited = yield* Deferred.make<number>()
    const history: Array<PeerEvent> = []
    const stderr: Array<string> = []
    let partial = ""

    const log = () => [...stderr, ...(partial ? [partial] : [])].join("\n")
    const fullLog = () => withClientLog(log(), fileTail(clientLog, 40))
    const addStderr = (text: string) => {
      const lines = (partial + text).split("\n")
      partial = lines.pop() ?? ""
      stderr.push(...lines)
      if (stderr.length > tailLines) stderr.splice(0, stderr.length - tailLines)
    }
    const publish = (event: Option.Option<PeerEvent>) => Effect.runSync(PubSub.publish(pubsub, event))

    const child = yield* Effect.async<ChildProcess, ToolMissingError | ProcessFailedError>((resume) => {
      const spawned = spawn("java", [
        "-Xmx256m",
        marker,
        `-Duser.home=${home}`,
        `-Drocketmq.client.logRoot=${join(home, "logs", "rocketmqlogs")}`,
        "-Drocketmq.client.logUseSlf4j=false",
        ...(options.jvmArgs ?? []),
        "-cp",
        cp,
        "RealPeer",
        ...args
      ], { stdio: ["pipe", "pipe", "pipe"] })
      spawned.once("spawn", () => resume(Effect.succeed(spawned)))
      spawned.once("error", (error: NodeJS.ErrnoException) => {
        if (ownHome) rmSync(home, { recursive: true, force: true })
        resume(
          error.code === "ENOENT"
            ? Effect.fail(
              new ToolMissingError({
                tool: "java",
                hint: "the real suite runs the Java client on Java 17 (apt-get install openjdk-17-jdk-headless)"
              })
            )
            : Effect.fail(new ProcessFailedError({ name, reason: `could not start: ${error.message}`, log: "" }))
        )
      })
    })
    live.add(child)
    installExitHook()
    child.stdin!.on("error", () => {}) // EPIPE once it exited: send reports it
    child.stderr!.setEncoding("utf8").on("data", (text: string) => addStderr(text))
    // The end: stdout read to its last line and the process closed, in either order.
    let ends = 0
    let code = -1
    const ended = () => {
      if (++ends < 2) return
      live.delete(child)
      publish(Option.none())
      Effect.runSync(Deferred.succeed(exited, code))
    }
    const lines = createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY })
    lines.on("line", (line) => {
      let event: PeerEvent
      try {
        event = JSON.parse(line) as PeerEvent
      } catch {
        addStderr(`(stdout, not JSON) ${line}\n`)
        return
      }
      history.push(event)
      publish(Option.some(event))
    })
    lines.once("close", ended)
    child.once("close", (exitCode, signal) => {
      code = exitCode ?? (signal ? 128 + (constants.signals[signal] ?? 0) : -1)
      ended()
    })

    const events: Stream.Stream<PeerEvent> = Stream.fromPubSub(pubsub).pipe(
      Stream.takeWhile(Option.isSome),
      Stream.map((event) => event.value)
    )

    const awaitEvent = (
      predicate: (event: PeerEvent) => boolean,
      timeout: Duration.DurationInput,
      what?: string
    ): Effect.Effect<PeerEvent, ProcessFailedError> => {
      const waitingFor = what ?? (predicate.name || "the awaited event")
      const failed = (reason: string) => new ProcessFailedError({ name, reason, log: fullLog() })
      return events.pipe(
        Stream.filter((event) => predicate(event) || event.event === "error"),
        Stream.runHead,
        Effect.flatMap(Option.match({
          onNone: () =>
            Effect.flatMap(
              Deferred.await(exited),
              (exitCode) => Effect.fail(failed(`exited with code ${exitCode} before ${waitingFor}`))
            ),
          onSome: (event) =>
            event.event === "error" && !predicate(event)
              ? Effect.fail(failed(`failed before ${waitingFor}: ${event.message}`))
              : Effect.succeed(event)
        })),
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => failed(`did not print ${waitingFor} within ${Duration.format(Duration.decode(timeout))}`)
        })
      )
    }

    const send = (line: string) =>
      Effect.async<void, ProcessFailedError>((resume) => {
        const stdin = child.stdin!
        const failed = (reason: string) => new ProcessFailedError({ name, reason, log: log() })
        if (stdin.destroyed || stdin.writableEnded) {
          resume(Effect.fail(failed(`has its stdin closed (sending ${line})`)))
          return
        }
        stdin.write(
          `${line}\n`,
          (error) => resume(error ? Effect.fail(failed(`could not be sent ${line}: ${error.message}`)) : Effect.void)
        )
      })

    const peer: JavaPeer = {
      pid: child.pid!,
      name,
      home,
      events,
      received: () => history.slice(),
      send,
      awaitEvent: awaitEvent as JavaPeer["awaitEvent"],
      awaitExit: Deferred.await(exited),
      log,
      clientLog: (lines = 40) => fileTail(clientLog, lines)
    }
    return { peer, child, exited, ownHome }
  })

/** Runs RealPeer to its end (within `timeout`) and returns every event it printed; fails unless it exited with 0. */
export const runToEnd = (
  clientVersion: string,
  args: ReadonlyArray<string>,
  timeout: Duration.DurationInput,
  options: StartOptions = {}
): Effect.Effect<ReadonlyArray<PeerEvent>, ToolMissingError | ResolveError | ProcessFailedError> =>
  Effect.scoped(
    Effect.gen(function*() {
      const peer = yield* start(clientVersion, args, options)
      const code = yield* peer.awaitExit.pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new ProcessFailedError({
              name: peer.name,
              reason: `did not finish within ${Duration.format(Duration.decode(timeout))}`,
              log: withClientLog(peer.log(), peer.clientLog())
            })
        })
      )
      const events = peer.received()
      if (code !== 0) {
        const error = events.find((e) => e.event === "error")
        return yield* Effect.fail(
          new ProcessFailedError({
            name: peer.name,
            reason: `exited with code ${code}${error ? `: ${error.message}` : ""}`,
            log: withClientLog(peer.log(), peer.clientLog())
          })
        )
      }
      return events
    })
  )
