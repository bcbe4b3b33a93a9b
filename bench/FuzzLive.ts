// The live fuzz target: the client's transport (RemotingClientLive) calling a peer on 127.0.0.1 that answers each
// request with the next fuzz frame, given the request's opaque first. Every call must end, with a response or a
// typed error, within its timeout (plus a grace); a defect, an uncaught exception or a handler failure is a crash.
// A peer whose frame left the stream out of step hangs up after it, or (one time in 500) goes silent and hangs up
// later, so that the calls on that connection must time out. Frames that would end their connection are sent one time
// in ten (see FuzzPeer.ts): each costs a reconnect, and the splitter target reads them all the transport's way.
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as RemotingClientLive from "../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../src/layers/RequestHandlersLive.js"
import { request, response } from "../src/protocol/RemotingCommand.js"
import { NameServerAddresses } from "../src/services/NameServerAddresses.js"
import { RemotingClient } from "../src/services/RemotingClient.js"
import { RequestHandlers } from "../src/services/RequestHandlers.js"
import { RpcHooks } from "../src/services/RpcHooks.js"
import { fuzzFrame } from "./FrameMutations.js"
import { Counter, type Peer, peerCounters, recentFrames, startPeer } from "./FuzzPeer.js"
import type { SeedFrame } from "./FuzzSeeds.js"
import { describeError, emptyTally, type Finding, finding, type Tally } from "./FuzzTally.js"
import { decodeReceived } from "./FuzzTargets.js"
import { startWorker } from "./Workers.js"

export interface LiveOptions {
  readonly seeds: ReadonlyArray<SeedFrame>
  readonly seed: number
  readonly frames: number
  readonly from?: number
  /** Calls in flight at once, spread over `addresses` connections. */
  readonly concurrency?: number
  readonly addresses?: number
  readonly timeoutMillis?: number
  /** How long past its timeout a call may take before it counts as a hang. */
  readonly graceMillis?: number
  /** Forces garbage collections around the run, so that the heap figures compare (sets V8's --expose-gc). */
  readonly collectGarbage?: boolean
  /** The run stops (a hang) when no frame is sent for this long. */
  readonly stallMillis?: number
  /** The share of the frames that would end their connection (they do not decode) that are sent; the rest skipped. */
  readonly endingShare?: number
  /** Runs the peer in a worker thread (loading the seeds from these directories), not in the client's thread. */
  readonly peerWorker?: { readonly directories: ReadonlyArray<string> }
}

export interface LiveReport {
  /** frames: frames the peer sent; ok: responses; typed: typed errors; crashes, hangs as counted. */
  readonly tally: Tally
  readonly calls: number
  readonly errors: Readonly<Record<string, number>>
  /** The message of the first error of each kind. */
  readonly firstErrors: Readonly<Record<string, string>>
  readonly connections: number
  /** Frames made to send that many (frames ending the connection are skipped but for `endingShare` of them). */
  readonly generated: number
  /** Frames sent that ended their connection. */
  readonly ending: number
  /** Connections the peer went silent on (their calls had to time out). */
  readonly held: number
  /** Requests the peer sent that the client answered, and frames of the client the peer could not read. */
  readonly answers: number
  readonly unreadable: number
  readonly handlerCalls: number
  readonly logs: Readonly<Record<string, number>>
  readonly heapMb: { readonly start: number; readonly peak: number; readonly end: number }
  readonly peakRssMb: number
  readonly openConnectionsAfter: number
  readonly elapsedMs: number
}

const MB = 1024 * 1024

const collect = (enabled: boolean) => {
  if (!enabled) return
  v8.setFlagsFromString("--expose-gc")
  ;(vm.runInNewContext("gc") as () => void)()
}

/** The peer, in a worker thread of its own or in this one. */
const peerOn = (
  o: Omit<Required<LiveOptions>, "collectGarbage" | "peerWorker">,
  directories: ReadonlyArray<string>,
  counters: Int32Array,
  inWorker: boolean,
  onError: (e: unknown) => void
): Promise<Peer> => {
  const options = {
    seed: o.seed,
    from: o.from,
    frames: o.frames,
    addresses: o.addresses,
    timeoutMillis: o.timeoutMillis,
    endingShare: o.endingShare
  }
  if (!inWorker) return startPeer({ ...options, seeds: o.seeds }, counters)
  const worker = startWorker("fuzz-peer-worker", { ...options, directories, counters: counters.buffer })
  return new Promise((resolve, reject) => {
    worker.once("error", (e) => {
      reject(e)
      onError(e)
    })
    worker.once("message", (addresses: ReadonlyArray<string>) =>
      resolve({
        addresses,
        close: () =>
          new Promise<void>((done) => {
            worker.once("exit", () => done())
            worker.postMessage("close")
          })
      }))
  })
}

/** The codes brokers send to clients: their handlers decode what they get as the client's own handlers do. */
const BROKER_REQUESTS = [39, 40, 220, 221, 307, 309]

/** Runs the live target; resolves when the peer has sent `frames` frames and every call has ended. */
export const runLive = (options: LiveOptions): Promise<LiveReport> => {
  const o = {
    from: 0,
    concurrency: 64,
    addresses: 16,
    timeoutMillis: 1000,
    graceMillis: 5000,
    endingShare: 0.1,
    stallMillis: 30_000,
    ...options
  }
  const tally = emptyTally("live connection")
  const errors: Record<string, number> = {}
  const firstErrors: Record<string, string> = {}
  const logs: Record<string, number> = {}
  let calls = 0
  let handlerCalls = 0
  let peakHeap = 0
  let peakRss = 0
  const counters = peerCounters()
  const sent = () => Atomics.load(counters, Counter.sent)
  /** A finding with no single input (a hang, an uncaught exception): the last frames sent, and the last one's hex. */
  const recentFinding = (what: string): Finding => {
    const recent = recentFrames(counters)
    const last = recent.at(-1)
    return last === undefined
      ? { target: tally.target, index: -1, what, how: "no frame sent yet", hex: "" }
      : finding(
        tally.target,
        last[0],
        `${what} (frames sent last: ${recent.map(([i]) => i).join(", ")}; the hex is the last one's)`,
        fuzzFrame(o.seeds, o.seed, last[0], last[1])
      )
  }
  const countingLogger = Logger.make(({ logLevel, message }) => {
    const text = `${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`
    logs[text] = (logs[text] ?? 0) + 1
  })

  const program = Effect.gen(function*() {
    collect(o.collectGarbage ?? false)
    const startHeap = process.memoryUsage().heapUsed
    const peer = yield* Effect.acquireRelease(
      Effect.promise(() =>
        peerOn(o, o.peerWorker?.directories ?? [], counters, o.peerWorker !== undefined, (e) => {
          tally.crashes++
          tally.firstCrash ??= recentFinding(
            `the peer's worker died (the harness, not the client): ${describeError(e)}`
          )
        })
      ),
      (p) => Effect.promise(p.close)
    )
    const onUncaught = (e: unknown) => {
      tally.crashes++
      tally.firstCrash ??= recentFinding(`uncaught ${describeError(e)}`)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        process.on("uncaughtException", onUncaught)
        process.on("unhandledRejection", onUncaught)
      }),
      () =>
        Effect.sync(() => {
          process.off("uncaughtException", onUncaught)
          process.off("unhandledRejection", onUncaught)
        })
    )
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peakHeap = Math.max(peakHeap, m.heapUsed)
      peakRss = Math.max(peakRss, m.rss)
    }, 100)
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))

    const clientScope = yield* Scope.make()
    const client = yield* Layer.buildWithScope(
      RemotingClientLive.layer({
        defaultTimeout: Duration.millis(o.timeoutMillis),
        connectTimeout: Duration.seconds(2)
      }).pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.layer([])),
        Layer.provide(NameServerAddresses.fixed([]))
      ),
      clientScope
    )
    const handlers = Context.get(client, RequestHandlers)
    const remoting = Context.get(client, RemotingClient)
    for (const code of BROKER_REQUESTS) {
      yield* Scope.extend(
        handlers.register(code, (command) =>
          Effect.sync(() => {
            decodeReceived(tally, o.from + sent(), command, o.seed)
            handlerCalls++
            return code === 307 ? response(command, 0, { remark: "fuzz" }) : undefined
          })),
        clientScope
      )
    }

    let stalled = false
    let lastSent = -1
    let lastProgress = Date.now()
    const watch = setInterval(() => {
      if (sent() !== lastSent) {
        lastSent = sent()
        lastProgress = Date.now()
      } else if (Date.now() - lastProgress > o.stallMillis) stalled = true
    }, 250)
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(watch)))

    const ping = request(30, { topic: "FuzzTopic", queueId: "0" })
    const worker = (address: string) =>
      Effect.gen(function*() {
        while (sent() < o.frames && !stalled) {
          const ended = yield* remoting.invoke(address, ping, o.timeoutMillis).pipe(
            Effect.exit,
            Effect.timeoutOption(o.timeoutMillis + o.graceMillis)
          )
          calls++
          if (Option.isNone(ended)) {
            tally.hangs++
            tally.firstHang ??= recentFinding(`a call did not end within ${o.timeoutMillis + o.graceMillis} ms`)
          } else if (Exit.isSuccess(ended.value)) tally.ok++
          else {
            const failure = Cause.failureOption(ended.value.cause)
            if (Option.isSome(failure) && !Cause.isDie(ended.value.cause)) {
              tally.typed++
              errors[failure.value._tag] = (errors[failure.value._tag] ?? 0) + 1
              firstErrors[failure.value._tag] ??= failure.value.message
            } else {
              tally.crashes++
              tally.firstCrash ??= recentFinding(`a call ended with ${Cause.pretty(ended.value.cause)}`)
            }
          }
        }
      })
    const started = performance.now()
    yield* Effect.all(
      Array.from({ length: o.concurrency }, (_, i) => worker(peer.addresses[i % peer.addresses.length]!)),
      { concurrency: "unbounded", discard: true }
    )
    const elapsedMs = performance.now() - started
    if (stalled) {
      tally.hangs++
      tally.firstHang ??= recentFinding(`no frame was sent for ${o.stallMillis} ms`)
    }
    const openConnectionsAfter = (yield* remoting.connectedAddresses).length
    yield* Scope.close(clientScope, Exit.void)
    collect(o.collectGarbage ?? false)
    const crashLogs = Object.entries(logs).filter(([text]) => text.includes("request handler failed"))
    for (const [text, n] of crashLogs) {
      tally.crashes += n
      tally.firstCrash ??= recentFinding(`logged: ${text}`)
    }
    tally.frames = sent()
    const count = (counter: number) => Atomics.load(counters, counter)
    tally.busyMs = elapsedMs
    const report: LiveReport = {
      tally,
      calls,
      errors,
      firstErrors,
      connections: count(Counter.connections),
      generated: count(Counter.generated),
      ending: count(Counter.ending),
      held: count(Counter.held),
      answers: count(Counter.answers),
      unreadable: count(Counter.unreadable),
      handlerCalls,
      logs,
      heapMb: { start: startHeap / MB, peak: peakHeap / MB, end: process.memoryUsage().heapUsed / MB },
      peakRssMb: peakRss / MB,
      openConnectionsAfter,
      elapsedMs
    }
    return report
  })
  return Effect.runPromise(
    program.pipe(Effect.scoped, Effect.provide(Logger.replace(Logger.defaultLogger, countingLogger)))
  )
}
