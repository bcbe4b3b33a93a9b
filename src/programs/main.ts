// `npm start`: the main program. With no name server configured it starts the embedded cluster; with
// ROCKETMQ_NAMESRV_ADDR set it uses that cluster. It sends 1,000 messages over the real remoting protocol, pulls them
// back, and prints a summary. Until the producer and push consumer exist (issues 6 and 7) it drives the transport
// directly: route lookup, SEND_MESSAGE_V2 and PULL_MESSAGE.
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Either, Layer, Option } from "effect"
import * as EmbeddedClusterLive from "../layers/EmbeddedClusterLive.js"
import * as RemotingClientLive from "../layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../layers/RequestHandlersLive.js"
import * as P from "../protocol/index.js"
import { EmbeddedCluster } from "../services/EmbeddedCluster.js"
import { NameServerAddresses, parseNameServerList } from "../services/NameServerAddresses.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { RpcHooks } from "../services/RpcHooks.js"

const TOPIC = "EffectRocketMQDemo"
const COUNT = 1000

const sendRequest = (body: string, key: string, ids: P.UniqueIdGenerator, now: number) =>
  P.request(
    P.RequestCode.SEND_MESSAGE_V2,
    Either.getOrThrow(P.encodeHeader(P.SendMessageRequestHeaderV2, {
      producerGroup: "effect_rocketmq_demo",
      topic: TOPIC,
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId: 0,
      sysFlag: 0,
      bornTimestamp: now,
      flag: 0,
      properties: P.propertiesToString({ KEYS: key, TAGS: "demo", UNIQ_KEY: ids.next(now), WAIT: "true" }),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false
    })),
    { body: Buffer.from(body) }
  )

const pullRequest = (queueOffset: number) =>
  P.request(
    P.RequestCode.PULL_MESSAGE,
    Either.getOrThrow(P.encodeHeader(P.PullMessageRequestHeader, {
      consumerGroup: "effect_rocketmq_demo",
      topic: TOPIC,
      queueId: 0,
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

/** The address of the broker serving the topic, or of one that creates it from TBW102. */
const brokerFor = (client: RemotingClient["Type"]) =>
  Effect.gen(function*() {
    for (const topic of [TOPIC, "TBW102"]) {
      const answer = yield* client.invokeNameServer(P.request(P.RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }))
      if (answer.code !== P.ResponseCode.SUCCESS) continue
      const route = yield* P.decodeBody(P.TopicRouteData, answer.body)
      const master = route.brokerDatas[0]?.brokerAddrs["0"]
      if (master !== undefined) return master
    }
    return yield* Effect.dieMessage(`no broker serves ${TOPIC} or the default topic TBW102`)
  })

const program = Effect.gen(function*() {
  const client = yield* RemotingClient
  const broker = yield* brokerFor(client)
  const ids = new P.UniqueIdGenerator({ ip: P.ipToBytes("127.0.0.1")!, pid: process.pid, salt: 7 })
  const started = performance.now()
  yield* Console.error(`sending ${COUNT} messages to ${TOPIC} on ${broker}`)
  const sent = yield* Effect.forEach(
    Array.from({ length: COUNT }, (_, i) => i),
    (i) =>
      Effect.flatMap(
        client.invoke(broker, sendRequest(`message ${i}`, `key-${i}`, ids, Date.now())),
        (answer) =>
          answer.code === P.ResponseCode.SUCCESS
            ? Effect.succeed(Number(answer.extFields!.queueOffset))
            : Effect.dieMessage(`send ${i} refused: ${answer.code} ${answer.remark}`)
      ),
    { concurrency: 64 }
  )
  const first = Math.min(...sent)
  yield* Console.error(`sent ${COUNT}; pulling them back from offset ${first}`)
  const seen = new Map<string, number>()
  let offset = first
  while (offset <= Math.max(...sent)) {
    const answer = yield* client.invoke(broker, pullRequest(offset))
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

/** The transport, on the configured name servers or on an embedded cluster started for the run. */
const TransportLive = Layer.unwrapEffect(
  Effect.gen(function*() {
    const configured = yield* Config.option(Config.string("ROCKETMQ_NAMESRV_ADDR"))
    const transport = (addresses: ReadonlyArray<string>) =>
      RemotingClientLive.layer().pipe(
        Layer.provide(Layer.mergeAll(RequestHandlersLive, RpcHooks.none, NameServerAddresses.fixed(addresses)))
      )
    if (Option.isSome(configured)) return transport(parseNameServerList(configured.value))
    return Layer.unwrapEffect(
      Effect.map(EmbeddedCluster, (cluster) => transport([cluster.nameServerAddress]))
    ).pipe(
      Layer.provide(
        Layer.effectDiscard(
          Console.error("no ROCKETMQ_NAMESRV_ADDR: starting the embedded cluster")
        ).pipe(Layer.provideMerge(EmbeddedClusterLive.layer({ nameServerPort: 0 })))
      )
    )
  })
)

NodeRuntime.runMain(program.pipe(Effect.provide(TransportLive)))
