// `npm start`: the main program. With no name server configured it starts the embedded cluster; with
// ROCKETMQ_NAMESRV_ADDR set it uses that cluster. A push consumer starts, the producer sends 1,000 messages (64 in
// flight), the consumer receives them, and a summary is printed (sent, received, lost, duplicates, elapsed, rate).
// The demo topic's route is asked for first, so a dead or wrong address is one error line on stderr (exit code 1)
// within the connect timeout; ROCKETMQ_DEBUG=1 shows its cause. Logs go to stderr, a line repeated held back.
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as ClientLive from "../layers/ClientLive.js"
import * as EmbeddedClusterLive from "../layers/EmbeddedClusterLive.js"
import * as ProducerLive from "../layers/ProducerLive.js"
import * as PushConsumerLive from "../layers/PushConsumerLive.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { ClientInstance } from "../services/ClientInstance.js"
import { EmbeddedCluster } from "../services/EmbeddedCluster.js"
import { Producer } from "../services/Producer.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { normalizeNameServers, UsageError } from "./CliOptions.js"
import { debugFromEnv, reportFailure, runMain, withTerminal } from "./CliRuntime.js"

const TOPIC = "EffectRocketMQDemo"
const GROUP = "effect_rocketmq_demo"
const COUNT = 1000

/** Messages sent were not all received within a minute. */
class MessagesLostError extends Data.TaggedError("MessagesLostError")<{ readonly lost: number }> {
  override get message(): string {
    return `${this.lost} message(s) of ${COUNT} not received within 60 s`
  }
}

const program = Effect.gen(function*() {
  const producer = yield* Producer
  const instance = yield* ClientInstance
  // Keys carry this run's id, so messages left by earlier runs on a real cluster are told apart.
  const run = (yield* Clock.currentTimeMillis).toString(36)
  const seen = yield* Ref.make(new Map<string, number>())
  const others = yield* Ref.make(0)
  const allIn = yield* Deferred.make<void>()
  const handler = (messages: ReadonlyArray<MessageExt>) =>
    Effect.gen(function*() {
      for (const m of messages) {
        const key = m.properties.KEYS ?? ""
        if (!key.startsWith(`${run}-`)) {
          yield* Ref.update(others, (n) => n + 1)
          continue
        }
        const received = yield* Ref.modify(seen, (s) => {
          const next = new Map(s).set(key, (s.get(key) ?? 0) + 1)
          return [next.size, next] as const
        })
        if (received % 250 === 0) yield* Console.error(`received ${received}`)
        if (received === COUNT) yield* Deferred.succeed(allIn, undefined)
      }
      return "CONSUME_SUCCESS" as const
    })

  // The name servers asked first: a dead or wrong address is one error, within the connect timeout, before any send.
  yield* Effect.flatMap(TopicRouteCache, (routes) => routes.refresh(TOPIC))
  const started = performance.now()
  yield* Effect.scoped(Effect.gen(function*() {
    const consumer = yield* PushConsumerLive.make({ group: GROUP, subscriptions: [{ topic: TOPIC }], handler })
    yield* Console.error(`push consumer of ${GROUP} started; sending ${COUNT} messages to ${TOPIC}, 64 in flight`)
    yield* Effect.forEach(
      Array.from({ length: COUNT }, (_, i) => i),
      (i) => producer.send({ topic: TOPIC, body: Buffer.from(`message ${i}`), tags: "demo", keys: [`${run}-${i}`] }),
      { concurrency: 64 }
    )
    yield* Console.error(`sent ${COUNT}`)
    // A topic created by these sends is known to the consumer at once, not at the next route refresh.
    yield* instance.refreshRoutes
    yield* consumer.rebalance
    yield* Deferred.await(allIn).pipe(
      Effect.timeoutOption(Duration.seconds(60))
    )
  }))
  const elapsed = (performance.now() - started) / 1000
  const counts = [...(yield* Ref.get(seen)).values()]
  const received = counts.reduce((a, b) => a + b, 0)
  const lost = COUNT - counts.length
  yield* Console.log(
    JSON.stringify({
      sent: COUNT,
      received,
      lost,
      duplicates: received - counts.length,
      fromEarlierRuns: yield* Ref.get(others),
      elapsedSeconds: Number(elapsed.toFixed(3)),
      messagesPerSecond: Math.round((COUNT + received) / elapsed)
    })
  )
  if (lost > 0) return yield* new MessagesLostError({ lost })
})

/** The client and a producer, on the configured name servers or on an embedded cluster started for the run. */
const ClientStack = Layer.unwrapEffect(
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.string("ROCKETMQ_NAMESRV_ADDR"))
    const stack = (nameServerAddress: string) =>
      ProducerLive.layer({ group: GROUP }).pipe(
        Layer.provideMerge(ClientLive.layer({ nameServerAddress, instanceName: "effect-rocketmq-demo" })),
        Layer.provide(NodeHttpClient.layer),
        Layer.merge(NodeFileSystem.layer)
      )
    if (Option.isSome(configured)) {
      const list = normalizeNameServers(configured.value, "ROCKETMQ_NAMESRV_ADDR")
      if (Either.isLeft(list)) return yield* new UsageError({ reason: list.left })
      return stack(list.right)
    }
    return Layer.unwrapEffect(Effect.map(EmbeddedCluster, (cluster) => stack(cluster.nameServerAddress))).pipe(
      Layer.provide(
        Layer.effectDiscard(Console.error("no ROCKETMQ_NAMESRV_ADDR: starting the embedded cluster")).pipe(
          Layer.provideMerge(EmbeddedClusterLive.layer({ nameServerPort: 0 }))
        )
      )
    )
  })
)

runMain(Effect.flatMap(debugFromEnv, (verbose) =>
  program.pipe(
    Effect.provide(ClientStack),
    Effect.as(0),
    Effect.catchAllCause((cause) => reportFailure(cause, verbose)),
    withTerminal(verbose)
  )))
