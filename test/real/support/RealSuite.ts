// What the real-broker tests share: a cluster per describe block (one per RocketMQ line), our client's stack on it,
// and the servers' and our client's logs in the output of a test that fails.
import { NodeFileSystem } from "@effect/platform-node"
import { layer, type Vitest } from "@effect/vitest"
import {
  Context,
  Duration,
  Effect,
  ExecutionStrategy,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Redacted,
  Schedule,
  Scope
} from "effect"
import { readFileSync } from "node:fs"
import type { TestContext } from "vitest"
import * as ClientInstanceLive from "../../../src/layers/ClientInstanceLive.js"
import * as ProducerLive from "../../../src/layers/ProducerLive.js"
import type { ProducerOptions } from "../../../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../../../src/layers/PushConsumerLive.js"
import * as RemotingClientLive from "../../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../../src/layers/RequestHandlersLive.js"
import * as TopicRouteCacheLive from "../../../src/layers/TopicRouteCacheLive.js"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import type { RemotingCommand } from "../../../src/protocol/RemotingCommand.js"
import { type AclCredentials, aclRpcHook } from "../../../src/services/AclCredentials.js"
import { NameServerAddresses } from "../../../src/services/NameServerAddresses.js"
import { Producer } from "../../../src/services/Producer.js"
import { PushConsumer, type PushConsumerOptions } from "../../../src/services/PushConsumer.js"
import { type RpcHook, RpcHooks } from "../../../src/services/RpcHooks.js"
import * as RealCluster from "./RealCluster.js"
import { type RocketMQLine, selectedLines } from "./Versions.js"

export class Real extends Context.Tag("test/real/Real")<Real, RealCluster.RealCluster>() {}

/** Our client's log lines of the current test (shown when it fails). */
export class ClientLog extends Context.Tag("test/real/ClientLog")<ClientLog, Array<string>>() {}

/**
 * One describe block per RocketMQ line (`ROCKETMQ_REAL_LINE` picks one), each with its own cluster, started before
 * its tests and stopped after them. Tests run on the live clock.
 */
export const describeReal = (
  title: string,
  options: Omit<RealCluster.RealClusterOptions, "line">,
  body: (it: RealIt, line: RocketMQLine) => void
) => {
  for (const line of selectedLines()) {
    layer(Layer.scoped(Real, RealCluster.make({ ...options, line })), {
      excludeTestServices: true,
      timeout: Duration.minutes(3)
    })(`${title} (RocketMQ ${line.servers}, Java client ${line.client})`, (it) => body(wrap(it), line))
  }
}

type LayerIt = Vitest.MethodsNonLive<Real, true>

export interface RealIt {
  /** A test with a scope, the cluster and a collecting logger; on failure the servers' and client's logs print. */
  readonly test: <A, E>(
    name: string,
    body: () => Effect.Effect<A, E, Real | Scope.Scope | ClientLog>,
    timeout?: number,
    /** Runs again on failure this many times (a known race, named where it is used). */
    retry?: number
  ) => void
}

const wrap = (it: LayerIt): RealIt => ({
  test: (name, body, timeout = 120_000, retry = 0) =>
    it.scoped(name, (ctx: TestContext) =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const lines: Array<string> = []
        ctx.onTestFailed(() => {
          process.stderr.write(
            `=== servers' logs ===\n${cluster.logs()}\n=== our client's log ===\n${lines.join("\n")}\n`
          )
        })
        const logger = Logger.map(Logger.logfmtLogger, (line) => {
          lines.push(line)
          if (lines.length > 2_000) lines.splice(0, 1_000)
        })
        return yield* body().pipe(
          Effect.provideService(ClientLog, lines),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
      }), { timeout, retry })
})

export interface ClientOptions {
  readonly instanceName?: string
  readonly acl?: { readonly accessKey: string; readonly secretKey: Redacted.Redacted<string> }
  readonly tls?: boolean
  readonly apiTimeoutMillis?: number
  /** More RPC hooks, after the ACL signer (a test counting what goes on the wire). */
  readonly hooks?: ReadonlyArray<RpcHook>
}

/** Our client's stack (transport, route cache, client instance) on the cluster in context. */
export const client = (options: ClientOptions = {}) =>
  Layer.unwrapEffect(Effect.map(Real, (cluster) => {
    const credentials: Array<AclCredentials> = options.acl ? [options.acl] : []
    const tls = options.tls && cluster.tls
      ? { ca: readFileSync(cluster.tls.caCert), rejectUnauthorized: true }
      : undefined
    const transport = RemotingClientLive.layer({ tls }).pipe(
      Layer.provideMerge(RequestHandlersLive),
      Layer.provide(RpcHooks.layer([...credentials.map(aclRpcHook), ...(options.hooks ?? [])])),
      Layer.provideMerge(NameServerAddresses.fixed([cluster.nameServerAddress]))
    )
    return ClientInstanceLive.layer({
      clientIP: "127.0.0.1",
      instanceName: options.instanceName ?? `real-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      ...(options.apiTimeoutMillis === undefined ? {} : { apiTimeoutMillis: options.apiTimeoutMillis })
    }).pipe(
      Layer.provideMerge(TopicRouteCacheLive.layer),
      Layer.provideMerge(transport)
    )
  }))

export const producer = (options: Partial<ProducerOptions> = {}, clientOptions: ClientOptions = {}) =>
  ProducerLive.layer({ group: "real_producer", ...options }).pipe(Layer.provideMerge(client(clientOptions)))

export const pushConsumer = <E>(options: PushConsumerOptions<E, never>, clientOptions: ClientOptions = {}) =>
  PushConsumerLive.layer(options).pipe(
    Layer.provideMerge(client(clientOptions)),
    Layer.provide(NodeFileSystem.layer)
  )

/** Waits (real time, bounded) until `done` holds. */
export const eventually = <E, R>(done: Effect.Effect<boolean, E, R>, within: Duration.DurationInput = "60 seconds") =>
  done.pipe(
    Effect.filterOrFail((ok) => ok, () => "not yet" as const),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`condition not met within ${Duration.format(Duration.decode(within))}`)
    })
  )

/** A name no other test uses (topics and groups live as long as the cluster). */
export const unique = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`

export const aclAccount = { accessKey: "rocketmq2", secretKey: Redacted.make("12345678") }

/**
 * A push consumer of ours that keeps what it receives; it runs until the test's scope closes, or until `close`.
 * `result` decides each batch (default: consumed).
 */
export const collect = (
  options: Omit<PushConsumerOptions<never, never>, "handler"> & {
    readonly result?: (m: MessageExt) => "CONSUME_SUCCESS" | "RECONSUME_LATER"
  },
  clientOptions: ClientOptions = {}
) =>
  Effect.gen(function*() {
    const received: Array<MessageExt> = []
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const context = yield* Layer.buildWithScope(
      pushConsumer({
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        ...options,
        handler: (messages) =>
          Effect.sync(() => {
            received.push(...messages)
            const verdicts = messages.map((m) => options.result?.(m) ?? "CONSUME_SUCCESS")
            return verdicts.includes("RECONSUME_LATER") ? "RECONSUME_LATER" : "CONSUME_SUCCESS"
          })
      }, clientOptions),
      scope
    )
    return {
      consumer: Context.get(context, PushConsumer),
      received,
      /** Waits until at least `n` messages arrived. */
      awaitCount: (n: number, within: Duration.DurationInput = "60 seconds") =>
        eventually(Effect.sync(() => received.length >= n), within).pipe(Effect.as(received)),
      close: Scope.close(scope, Exit.void)
    }
  })

/** Sends `n` messages `prefix-0`... (keys the same) through the producer in context, 8 at a time. */
export const sendAll = (topic: string, n: number, prefix = "m") =>
  Effect.flatMap(Producer, (p) =>
    Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) => p.send({ topic, body: text(`${prefix}-${i}`), keys: [`${prefix}-${i}`] }),
      { concurrency: 8 }
    ))

/** A message body from text. */
export const text = (s: string) => Buffer.from(s)

/** Records the requests of the given codes that our client puts on the wire (an RPC hook for `client`'s `hooks`). */
export const requestRecorder = (codes: ReadonlyArray<number>) => {
  const requests: Array<{ readonly address: string; readonly request: RemotingCommand }> = []
  const hook: RpcHook = {
    name: "record-requests",
    beforeRequest: (address, request) =>
      Effect.sync(() => {
        if (codes.includes(request.code)) requests.push({ address, request })
        return request
      })
  }
  return { requests, hook }
}

/** A message's body as text. */
export const bodyText = (m: { readonly body: Uint8Array }) => Buffer.from(m.body).toString("utf8")
