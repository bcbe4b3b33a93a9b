// Our client's side of `npm run bench:real`, run as a process of its own so that its CPU and memory are measured
// apart (from /proc/<pid>): the same commands, and the same ready/go/done lines, as the Java peer's
// (test/real/java/RealPeer.java), with client defaults.
//   node real-client.js bench-produce --namesrv A --topic T --size B --inflight K --count N
//   node real-client.js bench-drain --namesrv A --topic T --group G --count N
//   node real-client.js bench-bare-drain --namesrv A --topic T --group G --count N   (the floor: bench/BarePull.ts)
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { createInterface } from "node:readline"
import * as ClientLive from "../src/layers/ClientLive.js"
import * as ProducerLive from "../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../src/layers/PushConsumerLive.js"
import { Producer } from "../src/services/Producer.js"

const [command, ...rest] = process.argv.slice(2)
const option = (name: string) => {
  const i = rest.indexOf(`--${name}`)
  if (i < 0 || rest[i + 1] === undefined) throw new Error(`--${name} is missing`)
  return rest[i + 1]!
}
const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)

const lines = createInterface({ input: process.stdin })
const go = Effect.async<void>((resume) => {
  lines.on("line", (line) => {
    if (line.trim() === "go") resume(Effect.void)
  })
})

// Client defaults and nothing more, as a user's program (no layer of @effect/platform-node is needed: the README).
const client = ClientLive.layer({ nameServerAddress: option("namesrv") })

const benchProduce = Effect.gen(function*() {
  const topic = option("topic")
  const count = Number(option("count"))
  const inflight = Number(option("inflight"))
  const body = Buffer.alloc(Number(option("size")), "x")
  const producer = yield* Producer
  yield* producer.send({ topic, body })
  emit({ event: "ready" })
  yield* go
  const started = performance.now()
  let failed = 0
  yield* Effect.forEach(
    Array.from({ length: count }, (_, i) => i),
    () => Effect.catchAll(producer.send({ topic, body }), () => Effect.sync(() => failed++)),
    { concurrency: inflight, discard: true }
  )
  emit({ event: "done", count, elapsedMs: performance.now() - started, failed })
}).pipe(Effect.provide(ProducerLive.layer({ group: "bench_real_producer" }).pipe(Layer.provideMerge(client))))

const benchDrain = Effect.gen(function*() {
  const count = Number(option("count"))
  const done = yield* Deferred.make<void>()
  let received = 0
  emit({ event: "ready" })
  yield* go
  const started = performance.now()
  yield* Layer.launch(
    PushConsumerLive.layer({
      group: option("group"),
      subscriptions: [{ topic: option("topic") }],
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      handler: (messages) =>
        Effect.suspend(() => {
          received += messages.length
          return received >= count
            ? Effect.as(Deferred.succeed(done, undefined), "CONSUME_SUCCESS" as const)
            : Effect.succeed("CONSUME_SUCCESS" as const)
        })
    }).pipe(Layer.provideMerge(client))
  ).pipe(Effect.race(Deferred.await(done)))
  emit({ event: "done", count: received, elapsedMs: performance.now() - started })
})

// The bare PULL_MESSAGE loop over the same backlog, on a client instance of its own (the transport and route cache,
// without ClientLive's other subsystems); loaded only by this command, so the others' processes hold none of it.
const benchBareDrain = Effect.gen(function*() {
  const [{ barePull }, { clientStackAt }] = yield* Effect.promise(() =>
    Promise.all([import("./BarePull.js"), import("./stacks.js")])
  )
  const group = option("group")
  const count = Number(option("count"))
  emit({ event: "ready" })
  yield* go
  const started = performance.now()
  // The backlog holds one message more than `count` (the producer's first send, before its "ready"): all are read.
  const read = yield* barePull(group, option("topic"), count).pipe(
    Effect.provide(clientStackAt(option("namesrv"), group))
  )
  emit({ event: "done", count: read, elapsedMs: performance.now() - started })
})

const program: Effect.Effect<void, unknown> = command === "bench-produce"
  ? benchProduce
  : command === "bench-drain"
  ? benchDrain
  : command === "bench-bare-drain"
  ? benchBareDrain
  : Effect.dieMessage(`unknown command ${command}`)

program.pipe(
  Logger.withMinimumLogLevel(LogLevel.Warning),
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true }))),
  Effect.catchAllCause((cause) => Effect.sync(() => emit({ event: "error", message: String(cause) }))),
  Effect.runPromise
).then(() => process.exit(0), () => process.exit(1))
