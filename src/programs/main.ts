// `npm start`: the main program. With no name server configured it starts the embedded cluster; with
// ROCKETMQ_NAMESRV_ADDR set it uses that cluster. It sends 1,000 messages with the producer (64 in flight), pulls them
// back, and prints a summary. Until the push consumer exists (issue 7) the pulling is done directly (PULL_MESSAGE).
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Either, Layer, Option } from "effect"
import * as ClientLive from "../layers/ClientLive.js"
import * as EmbeddedClusterLive from "../layers/EmbeddedClusterLive.js"
import * as ProducerLive from "../layers/ProducerLive.js"
import * as P from "../protocol/index.js"
import { EmbeddedCluster } from "../services/EmbeddedCluster.js"
import { Producer } from "../services/Producer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"

const TOPIC = "EffectRocketMQDemo"
const COUNT = 1000

const pullRequest = (queueId: number, queueOffset: number) =>
  P.request(
    P.RequestCode.PULL_MESSAGE,
    Either.getOrThrow(P.encodeHeader(P.PullMessageRequestHeader, {
      consumerGroup: "effect_rocketmq_demo",
      topic: TOPIC,
      queueId,
      queueOffset,
      maxMsgNums: 32,
      sysFlag: P.PullSysFlag.SUBSCRIPTION | P.PullSysFlag.SUSPEND,
      commitOffset: 0,
      suspendTimeoutMillis: 1000,
      subscription: "demo",
      subVersion: 0,
      expressionType: "TAG"
    }))
  )

const program = Effect.gen(function*() {
  const producer = yield* Producer
  const client = yield* RemotingClient
  const routes = yield* TopicRouteCache
  const started = performance.now()
  yield* Console.error(`sending ${COUNT} messages to ${TOPIC} with the producer, 64 in flight`)
  const results = yield* Effect.forEach(
    Array.from({ length: COUNT }, (_, i) => i),
    (i) => producer.send({ topic: TOPIC, body: Buffer.from(`message ${i}`), tags: "demo", keys: [`key-${i}`] }),
    { concurrency: 64 }
  )
  // Until the push consumer exists (issue 7), the messages are pulled back directly, queue by queue.
  const queues = new Map(results.map((r) => [`${r.messageQueue.brokerName}#${r.messageQueue.queueId}`, r.messageQueue]))
  yield* Console.error(`sent ${COUNT}; pulling them back from ${queues.size} queue(s)`)
  const seen = new Map<string, number>()
  for (const queue of queues.values()) {
    const mine = results.filter((r) =>
      r.messageQueue.brokerName === queue.brokerName && r.messageQueue.queueId === queue.queueId
    )
    const broker = Option.getOrThrow(yield* routes.masterAddress(queue.brokerName))
    let offset = Math.min(...mine.map((r) => r.queueOffset))
    const last = Math.max(...mine.map((r) => r.queueOffset))
    while (offset <= last) {
      const answer = yield* client.invoke(broker, pullRequest(queue.queueId, offset))
      const next = Number(answer.extFields?.nextBeginOffset ?? offset)
      if (answer.code === P.ResponseCode.SUCCESS) {
        for (const m of yield* P.decodeMessages(answer.body!)) {
          const key = m.properties.KEYS ?? ""
          seen.set(key, (seen.get(key) ?? 0) + 1)
        }
      }
      if (next === offset) break
      offset = next
    }
  }
  const elapsed = (performance.now() - started) / 1000
  const received = [...seen.values()].reduce((a, b) => a + b, 0)
  const lost = Array.from({ length: COUNT }, (_, i) => `key-${i}`).filter((k) => !seen.has(k)).length
  const duplicates = received - seen.size
  yield* Console.log(
    JSON.stringify({
      sent: COUNT,
      received,
      lost,
      duplicates,
      elapsedSeconds: Number(elapsed.toFixed(3)),
      messagesPerSecond: Math.round((COUNT * 2) / elapsed)
    })
  )
  if (lost > 0) return yield* Effect.dieMessage(`${lost} message(s) lost`)
})

/** The client and a producer, on the configured name servers or on an embedded cluster started for the run. */
const ClientStack = Layer.unwrapEffect(
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.string("ROCKETMQ_NAMESRV_ADDR"))
    const stack = (nameServerAddress: string) =>
      ProducerLive.layer({ group: "effect_rocketmq_demo" }).pipe(
        Layer.provideMerge(ClientLive.layer({ nameServerAddress, instanceName: "effect-rocketmq-demo" })),
        Layer.provide(NodeHttpClient.layer)
      )
    if (Option.isSome(configured)) return stack(configured.value)
    return Layer.unwrapEffect(Effect.map(EmbeddedCluster, (cluster) => stack(cluster.nameServerAddress))).pipe(
      Layer.provide(
        Layer.effectDiscard(Console.error("no ROCKETMQ_NAMESRV_ADDR: starting the embedded cluster")).pipe(
          Layer.provideMerge(EmbeddedClusterLive.layer({ nameServerPort: 0 }))
        )
      )
    )
  })
)

NodeRuntime.runMain(program.pipe(Effect.provide(ClientStack)))
