// What the benchmarks share: a client stack on the embedded cluster, a bare pull request, and the embedded cluster
// in a worker thread.
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { fork, type Serializable } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import * as ClientInstanceLive from "../src/layers/ClientInstanceLive.js"
import * as RemotingClientLive from "../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../src/layers/RequestHandlersLive.js"
import * as TopicRouteCacheLive from "../src/layers/TopicRouteCacheLive.js"
import { encodeHeader } from "../src/protocol/headers/CommandHeader.js"
import { PullMessageRequestHeader, PullSysFlag } from "../src/protocol/headers/ConsumeHeaders.js"
import { request } from "../src/protocol/RemotingCommand.js"
import { RequestCode } from "../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../src/services/EmbeddedCluster.js"
import { NameServerAddresses } from "../src/services/NameServerAddresses.js"
import { RpcHooks } from "../src/services/RpcHooks.js"
import { benchScript, clientNodeArgs, nodeArgsFor } from "./Scripts.js"

/** A client instance of its own (transport, route cache) on the embedded cluster in context. */
export const clientStack = (instanceName: string) =>
  Layer.unwrapEffect(Effect.map(EmbeddedCluster, (cluster) => clientStackAt(cluster.nameServerAddress, instanceName)))

/** PULL_MESSAGE of up to 32 messages of every tag, no long polling. */
export const pullRequest = (group: string, topic: string, queueId: number, queueOffset: number) =>
  request(
    RequestCode.PULL_MESSAGE,
    Either.getOrThrow(encodeHeader(PullMessageRequestHeader, {
      consumerGroup: group,
      topic,
      queueId,
      queueOffset,
      maxMsgNums: 32,
      sysFlag: PullSysFlag.SUBSCRIPTION,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: "*",
      subVersion: 0,
      expressionType: "TAG"
    }))
  )

/** A client instance of its own on the name server at `nameServerAddress`. */
export const clientStackAt = (nameServerAddress: string, instanceName: string) =>
  ClientInstanceLive.layer({ clientIP: "127.0.0.1", instanceName }).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(
      RemotingClientLive.layer().pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.none),
        Layer.provideMerge(NameServerAddresses.fixed([nameServerAddress]))
      )
    )
  )

/** The embedded cluster in a worker thread, or a child process (see broker-worker.ts): its address and its calls. */
export const startBrokerWorker = async (where: "thread" | "process" = "thread") => {
  // Compiled (`npm run bench`) the worker is plain JavaScript; run from source with tsx, it registers tsx first.
  const compiled = import.meta.url.endsWith(".js")
  const script = new URL(compiled ? "./broker-worker.js" : "./broker-worker.ts", import.meta.url)
  const peer = where === "process"
    ? childProcess(fileURLToPath(script))
    : compiled
    ? new Worker(script)
    : new Worker(
      `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(script.href)}) })`,
      { eval: true }
    )
  const next = () => new Promise<Record<string, unknown>>((resolve) => peer.once("message", resolve))
  const { nameServerAddress } = await next() as { nameServerAddress: string }
  const call = async (command: Record<string, unknown>) => {
    const answer = next()
    peer.postMessage(command)
    await answer
  }
  return {
    nameServerAddress,
    createTopic: (topic: string, queues: number) => call({ op: "createTopic", topic, queues }),
    setLatency: (latency: string) => call({ op: "setLatency", latency }),
    stop: async () => {
      await call({ op: "stop" })
      await peer.terminate()
    }
  }
}

/** The broker as a child process, with a worker's calls. */
const childProcess = (script: string) => {
  const child = fork(script, [], { execArgv: [...nodeArgsFor(script)] })
  return {
    once: (event: "message", listener: (message: Record<string, unknown>) => void) => void child.once(event, listener),
    postMessage: (message: unknown) => void child.send(message as Serializable),
    terminate: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve())
        child.kill()
      })
  }
}

/**
 * Runs bench/`name` (compiled, or from source with tsx; or `script`, a bundle of it) in a process of its own with
 * `job` as its argument, and answers the first message it sends back (its figures). `BENCH_CLIENT_ARGS` adds node options to these processes
 * only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export const inClientProcess = <Figures>(name: string, job: unknown, script = benchScript(name)) =>
  new Promise<Figures>((resolve, reject) => {
    const child = fork(script, [JSON.stringify(job)], {
      execArgv: [...nodeArgsFor(script), ...clientNodeArgs()]
    })
    child.once("message", (figures) => resolve(figures as Figures))
    child.once("exit", (code) => code === 0 ? undefined : reject(new Error(`${name} exited with ${code}`)))
  })
