import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { PermName } from "../protocol/bodies/TopicRouteData.js"
import { EmbeddedCluster, type EmbeddedClusterService } from "../services/EmbeddedCluster.js"
import {
  type Broker,
  type BrokerOptions,
  DEFAULT_DELAY_LEVELS,
  makeBroker,
  parseDelayLevels
} from "./embedded/Broker.js"
import { makeNameServer } from "./embedded/NameServer.js"
import { type RemotingServer, startRemotingServer } from "./embedded/RemotingServer.js"

/**
 * Options of the embedded cluster: ports (0, the default, picks free ones), the number of brokers (named
 * `broker-a`, `broker-b`, ...) and broker settings over the Java broker's defaults.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface EmbeddedClusterOptions {
  readonly host?: string | undefined
  /**
   * The host the name server and brokers give clients (routes, store hosts, `nameServerAddress`); `host` by
   * default. Set it when `host` is a wildcard such as `0.0.0.0`, which no client can connect to.
   */
  readonly advertisedHost?: string | undefined
  readonly nameServerPort?: number | undefined
  readonly brokers?: number | undefined
  /** Names of the brokers; `broker-a`, `broker-b`, ... by default. */
  readonly brokerNames?: ReadonlyArray<string> | undefined
  readonly clusterName?: string | undefined
  readonly broker?: Partial<Omit<BrokerOptions, "brokerName" | "clusterName">> | undefined
  /**
   * The RocketMQ line the brokers behave as: "4.9" (the default) or "5.0" (pop consumption, broker-side assignment,
   * timer messages; see `BrokerOptions.version`).
   */
  readonly version?: "4.9" | "5.0" | undefined
}

const brokerName = (i: number) => `broker-${String.fromCharCode(97 + i)}`

/**
 * Starts the embedded cluster in the current scope; closing the scope stops it.
 *
 * @since 0.1.0
 * @category embedded
 */
export const make = (options: EmbeddedClusterOptions = {}) =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const advertisedHost = options.advertisedHost ?? host
    const clock = yield* Effect.clock
    const running = new Map<string, { readonly broker: Broker; readonly server: RemotingServer; up: boolean }>()
    const nameServer = yield* startRemotingServer(
      makeNameServer(() => [...running.values()].filter((b) => b.up).map((b) => b.broker)),
      { host, port: options.nameServerPort ?? 0 }
    )
    const names = options.brokerNames ?? Array.from({ length: options.brokers ?? 1 }, (_, i) => brokerName(i))
    for (const name of names) {
      const brokerOptions: BrokerOptions = {
        brokerName: name,
        clusterName: options.clusterName ?? "DefaultCluster",
        autoCreateTopicEnable: true,
        defaultTopicQueueNums: 8,
        maxMessageSize: 4 * 1024 * 1024,
        region: "DefaultRegion",
        traceTopicEnable: true,
        messageDelayLevel: DEFAULT_DELAY_LEVELS,
        transactions: {
          transactionTimeoutMillis: 6_000,
          transactionCheckIntervalMillis: 60_000,
          transactionCheckMax: 15
        },
        version: options.version ?? "4.9",
        ...options.broker
      }
      const delayLevels = yield* Either.mapLeft(
        parseDelayLevels(brokerOptions.messageDelayLevel),
        (reason) => new Error(`embedded broker ${brokerOptions.brokerName}: messageDelayLevel: ${reason}`)
      )
      const background = yield* FiberSet.make()
      // The broker needs its own port (the store host of its records), known once its server listens.
      const ref: { broker?: Broker } = {}
      const server = yield* startRemotingServer((request, connection) => ref.broker!.handle(request, connection), {
        host,
        answerDelayMillis: () => ref.broker === undefined ? 0 : Duration.toMillis(ref.broker.faults.latency)
      })
      const broker = makeBroker(
        brokerOptions,
        { host: advertisedHost, port: server.port },
        background,
        delayLevels,
        clock,
        () =>
          [...running.values()].filter((b) => b.up).map((b) => ({
            brokerName: b.broker.options.brokerName,
            topics: b.broker.topics
          }))
      )
      ref.broker = broker
      // Client housekeeping (Java: `ClientHousekeepingService`, every 10 s): closed or silent clients leave their groups.
      yield* FiberSet.run(
        background,
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => broker.clients.scanNotActive(now, (c) => server.connections.has(c)))).pipe(
            Effect.repeat(Schedule.spaced("10 seconds"))
          )
      )
      // The transaction check-back (Java: `TransactionalMessageCheckService`), every check interval.
      yield* FiberSet.run(
        background,
        Effect.repeat(
          broker.checkTransactions,
          Schedule.spaced(brokerOptions.transactions.transactionCheckIntervalMillis)
        )
          .pipe(Effect.delay(brokerOptions.transactions.transactionCheckIntervalMillis))
      )
      running.set(brokerOptions.brokerName, { broker, server, up: true })
    }
    const nameServerState = { up: true }
    const find = (name: string) =>
      Effect.suspend(() => {
        const entry = running.get(name)
        return entry === undefined
          ? Effect.dieMessage(`no broker named ${name} in the embedded cluster`)
          : Effect.succeed(entry)
      })
    const service: EmbeddedClusterService = {
      nameServerAddress: `${advertisedHost}:${nameServer.port}`,
      brokers: [...running.values()].map((b) => ({ name: b.broker.options.brokerName, address: b.broker.address })),
      createTopic: (topic, topicOptions) =>
        Effect.sync(() => {
          for (const { broker } of running.values()) {
            if (topicOptions?.brokers !== undefined && !topicOptions.brokers.includes(broker.options.brokerName)) {
              continue
            }
            broker.createTopic({
              topicName: topic,
              readQueueNums: topicOptions?.readQueueNums ?? 4,
              writeQueueNums: topicOptions?.writeQueueNums ?? 4,
              perm: topicOptions?.perm ?? (PermName.READ | PermName.WRITE),
              topicSysFlag: 0,
              order: false
            })
          }
        }),
      stopBroker: (name) =>
        Effect.flatMap(
          find(name),
          (entry) =>
            entry.up ? Effect.zipRight(Effect.sync(() => (entry.up = false)), entry.server.pause) : Effect.void
        ),
      startBroker: (name) =>
        Effect.flatMap(
          find(name),
          (entry) => entry.up ? Effect.void : Effect.zipRight(entry.server.resume, Effect.sync(() => (entry.up = true)))
        ),
      stopNameServer: Effect.suspend(() =>
        nameServerState.up
          ? Effect.zipRight(Effect.sync(() => (nameServerState.up = false)), nameServer.pause)
          : Effect.void
      ),
      startNameServer: Effect.suspend(() =>
        nameServerState.up
          ? Effect.void
          : Effect.zipRight(nameServer.resume, Effect.sync(() => (nameServerState.up = true)))
      ),
      setLatency: (name, latency) =>
        Effect.flatMap(find(name), (entry) =>
          Effect.sync(() => (entry.broker.faults.latency = Duration.decode(latency)))),
      failNext: (name, requestCode, count, responseCode, remark) =>
        Effect.flatMap(find(name), (entry) =>
          Effect.sync(() =>
            entry.broker.faults.failures.set(requestCode, {
              remaining: count,
              responseCode,
              remark: remark ?? `injected failure of request ${requestCode}`
            })
          )),
      receivedRequests: (name) =>
        Effect.map(find(name), (entry) => [...entry.broker.faults.received]),
      cutClient: (clientId) =>
        Effect.sync(() => {
          for (const { broker } of running.values()) {
            for (const connection of broker.clients.connectionsOf(clientId)) {
              connection.close()
            }
          }
        })
    }
    yield* Effect.logDebug("embedded cluster started").pipe(
      Effect.annotateLogs({
        nameServer: service.nameServerAddress,
        brokers: service.brokers.map((b) =>
          b.address
        )
      })
    )
    return service
  })

/**
 * The embedded cluster as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: EmbeddedClusterOptions): Layer.Layer<EmbeddedCluster, Error> =>
  Layer.scoped(EmbeddedCluster, make(options))
