// The parts of a push consumer, built on fakes, for the tests of each part (pull loop, rebalance, consume services,
// queue locks, offset store): the settings through the real `resolveSettings`, a scripted broker standing in for the
// consumer's broker calls, a stub client instance and route cache, the real executor and process queue table.
import { Context, Effect, FiberRef, Layer, Option, type Scope } from "effect"
import * as ConsumeExecutor from "../../src/layers/consumer/ConsumeExecutor.js"
import type { ConsumerApi, ConsumerCallError, PullResult } from "../../src/layers/consumer/ConsumerApi.js"
import {
  type ConsumerContext,
  ConsumeStats,
  resolveSettings,
  subscriptionData
} from "../../src/layers/consumer/ConsumerContext.js"
import { type HeldQueue, ProcessQueueTable } from "../../src/layers/consumer/ProcessQueueTable.js"
import * as PullMessageServiceLive from "../../src/layers/PullMessageServiceLive.js"
import * as RemoteBrokerOffsetStore from "../../src/layers/RemoteBrokerOffsetStore.js"
import type { SubscriptionData } from "../../src/protocol/bodies/HeartbeatData.js"
import { PermName, type TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../src/protocol/MessageConst.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { type MessageQueue, messageQueueKey } from "../../src/protocol/MessageQueue.js"
import { BrokerResponseError } from "../../src/services/BrokerResponseError.js"
import { makeClientConfig } from "../../src/services/ClientConfig.js"
import type { ClientInstanceService } from "../../src/services/ClientInstance.js"
import type { OffsetStoreService } from "../../src/services/OffsetStore.js"
import { ProcessQueue } from "../../src/services/ProcessQueue.js"
import { PullMessageService } from "../../src/services/PullMessageService.js"
import type { MessageHandler, PushConsumerOptions } from "../../src/services/PushConsumer.js"
import { RemotingConnectError, RemotingTimeoutError } from "../../src/services/RemotingClient.js"
import type { RouteError, TopicRouteCacheService } from "../../src/services/TopicRouteCache.js"

const lockAsked = (
  body: { readonly clientId: string; readonly consumerGroup: string; readonly mqSet: ReadonlyArray<MessageQueue> },
  brokerQueue: MessageQueue
): LockAsked => ({
  brokerName: brokerQueue.brokerName,
  queues: body.mqSet,
  clientId: body.clientId,
  group: body.consumerGroup
})

/** The address every broker of the fake answers at (the fake does not look at it). */
export const BROKER_ADDRESS = "10.0.0.9:10911"

/** A queue of topic `T` on broker `b1`, or as given. */
export const mq = (queueId: number, topic = "T", brokerName = "b1"): MessageQueue => ({ topic, brokerName, queueId })

/** A message of `queue` at `offset`: its tag, reconsume times and body size may be given. */
export const message = (
  queue: MessageQueue,
  offset: number,
  more: {
    readonly tags?: string
    readonly reconsumeTimes?: number
    readonly bodySize?: number
    readonly topic?: string
    readonly properties?: Readonly<Record<string, string>>
  } = {}
): MessageExt => ({
  topic: more.topic ?? queue.topic,
  flag: 0,
  properties: {
    ...(more.tags === undefined ? {} : { [MessageConst.TAGS]: more.tags }),
    ...more.properties
  },
  body: new Uint8Array(more.bodySize ?? 8),
  queueId: queue.queueId,
  storeSize: 0,
  queueOffset: offset,
  sysFlag: 0,
  bornTimestamp: 0,
  bornHost: { host: "127.0.0.1", port: 1 },
  storeTimestamp: 0,
  storeHost: { host: "127.0.0.1", port: 2 },
  commitLogOffset: offset * 100,
  bodyCRC: 0,
  reconsumeTimes: more.reconsumeTimes ?? 0,
  preparedTransactionOffset: 0,
  magicCode: 0,
  msgId: `${messageQueueKey(queue)}:${offset}`,
  offsetMsgId: `${messageQueueKey(queue)}:${offset}`
})

/** A FOUND answer: the messages, and the next offset after the last of them unless given. */
export const found = (
  messages: ReadonlyArray<MessageExt>,
  more: { readonly nextBeginOffset?: number; readonly suggestWhichBrokerId?: number } = {}
): PullResult => ({
  status: "FOUND",
  nextBeginOffset: more.nextBeginOffset ?? (messages.length === 0 ? 0 : messages[messages.length - 1]!.queueOffset + 1),
  minOffset: 0,
  maxOffset: 1000,
  suggestWhichBrokerId: more.suggestWhichBrokerId ?? 0,
  messages
})

/** An answer with no message: NO_NEW_MSG, NO_MATCHED_MSG or OFFSET_ILLEGAL, with the next offset to pull from. */
export const noMessage = (
  status: "NO_NEW_MSG" | "NO_MATCHED_MSG" | "OFFSET_ILLEGAL",
  nextBeginOffset: number
): PullResult => ({ status, nextBeginOffset, minOffset: 0, maxOffset: 1000, suggestWhichBrokerId: 0, messages: [] })

/** A call that timed out (what a broker that does not answer gives). */
export const timedOut = (code = 11): ConsumerCallError =>
  new RemotingTimeoutError({ address: BROKER_ADDRESS, code, timeoutMillis: 3000 })

/** A pull as the broker received it. */
export interface PullAsked {
  readonly queue: MessageQueue
  readonly brokerId: number
  readonly queueOffset: number
  readonly commitOffset: number
  readonly sysFlag: number
  readonly subscription: string
}

/** A LOCK_BATCH_MQ or UNLOCK_BATCH_MQ as the broker received it. */
export interface LockAsked {
  readonly brokerName: string
  readonly queues: ReadonlyArray<MessageQueue>
  readonly clientId: string
  readonly group: string
}

/**
 * The broker side of a consumer, scripted: pulls are answered in turn from `pullScript` (an empty script blocks the
 * pull, as a long poll with nothing to give), and every call is recorded. Offsets the group stored on the broker are
 * in `storedOffsets`; each queue's max offset in `maxOffsets` (0 when not given).
 */
export class FakeBroker {
  readonly pulls: Array<PullAsked> = []
  readonly pullScript: Array<Effect.Effect<PullResult, ConsumerCallError>> = []
  /** The group's offsets on the broker, by queue key (QUERY_CONSUMER_OFFSET answers from here). */
  readonly storedOffsets = new Map<string, number>()
  readonly offsetQueries: Array<MessageQueue> = []
  /** UPDATE_CONSUMER_OFFSET as received, in order. */
  readonly offsetUpdates: Array<{ readonly queue: MessageQueue; readonly offset: number }> = []
  readonly maxOffsets = new Map<string, number>()
  readonly searches: Array<{ readonly queue: MessageQueue; readonly timestamp: number }> = []
  searchAnswer = 0
  offsetCallsFail = false
  readonly sentBack: Array<
    { readonly message: MessageExt; readonly delayLevel: number; readonly maxReconsumeTimes: number }
  > = []
  /** Which messages the broker refuses to take back. */
  sendBackFails: (message: MessageExt) => boolean = () => false
  /** The group's members (GET_CONSUMER_LIST_BY_GROUP). */
  members: ReadonlyArray<string> = []
  /** How many member lookups fail before they answer. */
  memberLookupFailures = 0
  memberLookups = 0
  /** Which queues the broker lets this client lock. */
  lockable: (queue: MessageQueue) => boolean = () => true
  /** The brokers whose lock calls fail. */
  readonly lockCallsFail = new Set<string>()
  /** LOCK_BATCH_MQ as received: the broker asked, the queues, and who asked (client id and group). */
  readonly lockRequests: Array<LockAsked> = []
  readonly unlockRequests: Array<LockAsked> = []

  private failure(requestCode: number): BrokerResponseError {
    return new BrokerResponseError({ address: BROKER_ADDRESS, requestCode, responseCode: 1, remark: "scripted" })
  }

  /** The pulls asked of `queue`. */
  pullsOf(queue: MessageQueue): ReadonlyArray<PullAsked> {
    return this.pulls.filter((p) => messageQueueKey(p.queue) === messageQueueKey(queue))
  }

  /** The last offset the broker received for `queue`, if any. */
  lastUpdate(queue: MessageQueue): number | undefined {
    return this.offsetUpdates.filter((u) => messageQueueKey(u.queue) === messageQueueKey(queue)).at(-1)?.offset
  }

  readonly api: ConsumerApi = {
    findBrokerAddress: () => Effect.succeed({ address: BROKER_ADDRESS, slave: false }),
    pull: (queue, brokerId, header) =>
      Effect.suspend(() => {
        this.pulls.push({
          queue,
          brokerId,
          queueOffset: header.queueOffset,
          commitOffset: header.commitOffset,
          sysFlag: header.sysFlag,
          subscription: header.subscription ?? ""
        })
        return this.pullScript.shift() ?? Effect.never
      }),
    queryConsumerOffset: (_group, queue) =>
      Effect.suspend(() => {
        this.offsetQueries.push(queue)
        if (this.offsetCallsFail) return Effect.fail(this.failure(14))
        return Effect.succeed(Option.fromNullable(this.storedOffsets.get(messageQueueKey(queue))))
      }),
    updateConsumerOffset: (_group, queue, offset) =>
      Effect.suspend(() => {
        if (this.offsetCallsFail) {
          return Effect.fail(new RemotingConnectError({ address: BROKER_ADDRESS, reason: "scripted" }))
        }
        this.offsetUpdates.push({ queue, offset })
        this.storedOffsets.set(messageQueueKey(queue), offset)
        return Effect.void
      }),
    maxOffset: (queue) => Effect.sync(() => this.maxOffsets.get(messageQueueKey(queue)) ?? 0),
    minOffset: () => Effect.succeed(0),
    searchOffset: (queue, timestamp) =>
      Effect.sync(() => {
        this.searches.push({ queue, timestamp })
        return this.searchAnswer
      }),
    sendMessageBack: (_group, _queue, message, delayLevel, maxReconsumeTimes) =>
      Effect.suspend(() => {
        this.sentBack.push({ message, delayLevel, maxReconsumeTimes })
        return this.sendBackFails(message) ? Effect.fail(this.failure(36)) : Effect.void
      }),
    consumerIds: () =>
      Effect.suspend(() => {
        this.memberLookups++
        if (this.memberLookupFailures > 0) {
          this.memberLookupFailures--
          return Effect.fail(this.failure(38))
        }
        return Effect.succeed([...this.members])
      }),
    lockBatch: (body, brokerQueue) =>
      Effect.suspend(() => {
        this.lockRequests.push(lockAsked(body, brokerQueue))
        if (this.lockCallsFail.has(brokerQueue.brokerName)) return Effect.fail(this.failure(41))
        return Effect.succeed(body.mqSet.filter(this.lockable))
      }),
    unlockBatch: (body, brokerQueue) =>
      Effect.suspend(() => {
        this.unlockRequests.push(lockAsked(body, brokerQueue))
        return this.lockCallsFail.has(brokerQueue.brokerName) ? Effect.fail(this.failure(42)) : Effect.void
      }),
    // Pop consumption (5.x) is tested on the embedded cluster: this broker answers like a 4.x one.
    pop: () => Effect.fail(this.failure(200050)),
    ack: () => Effect.fail(this.failure(200051)),
    changeInvisibleTime: () => Effect.fail(this.failure(200053)),
    queryAssignment: () => Effect.fail(this.failure(400))
  }
}

/** A route naming these brokers, each with `readQueueNums` readable (unless `perm` says otherwise) queues. */
export const route = (
  brokers: ReadonlyArray<{ readonly name: string; readonly readQueueNums: number; readonly perm?: number }>
): TopicRouteData => ({
  brokerDatas: brokers.map((b) => ({ brokerName: b.name, cluster: "c", brokerAddrs: { "0": BROKER_ADDRESS } })),
  filterServerTable: {},
  queueDatas: brokers.map((b) => ({
    brokerName: b.name,
    perm: b.perm ?? (PermName.READ | PermName.WRITE),
    readQueueNums: b.readQueueNums,
    writeQueueNums: b.readQueueNums,
    topicSysFlag: 0
  }))
})

/** The route cache: `cached` is what it holds; `nameServer` what a refresh finds (a topic missing there is `None`). */
export class FakeRoutes {
  readonly cached = new Map<string, TopicRouteData>()
  readonly nameServer = new Map<string, TopicRouteData>()
  refreshes = 0
  refreshFails = false

  readonly service: TopicRouteCacheService = {
    route: (topic) => Effect.sync(() => Option.fromNullable(this.cached.get(topic))),
    cachedRoute: (topic) => this.cached.get(topic),
    refresh: (topic) =>
      Effect.suspend((): Effect.Effect<
        { readonly route: Option.Option<TopicRouteData>; readonly changed: boolean },
        RouteError
      > => {
        this.refreshes++
        if (this.refreshFails) {
          return Effect.fail(new RemotingConnectError({ address: "10.0.0.1:9876", reason: "scripted" }))
        }
        const found = this.nameServer.get(topic)
        if (found !== undefined) this.cached.set(topic, found)
        return Effect.succeed({ route: Option.fromNullable(found), changed: found !== undefined })
      }),
    brokerAddresses: Effect.sync(() => new Map()),
    masterAddress: () => Effect.succeed(Option.some(BROKER_ADDRESS)),
    cachedMasterAddress: () => BROKER_ADDRESS,
    removeOfflineBrokers: Effect.succeed([])
  }
}

/** What a test builds its consumer from; everything may be left out. */
export interface ConsumerPartsOptions {
  /** The consumer's options (group `G`, subscribed to `T` with `*` unless given). */
  readonly consumer?: Partial<PushConsumerOptions<unknown, never>>
  /** The offset store, the remote store over the fake broker unless given. */
  readonly offsetStore?: OffsetStoreService
}

/** A push consumer's parts, with the fakes behind them for the test to script and read. */
export interface ConsumerParts {
  readonly context: ConsumerContext
  readonly broker: FakeBroker
  readonly routes: FakeRoutes
  /** Heartbeats the consumer asked the instance to send. */
  readonly heartbeats: () => number
  /** The batches the handler was given, in order. */
  readonly handled: Array<ReadonlyArray<MessageExt>>
  /** Sets what the handler does with a batch (by default what the consumer's options say: `CONSUME_SUCCESS`). */
  readonly handleWith: (handler: MessageHandler<unknown, never>) => void
}

/** The consumer's subscriptions as it sends them, with the group's retry topic in clustering (as the consumer has). */
const subscriptionTable = (
  subscriptions: ReadonlyArray<{ readonly topic: string; readonly expression?: string | undefined }>,
  group: string,
  clustering: boolean
): ReadonlyMap<string, SubscriptionData> => {
  const table = new Map(subscriptions.map((s) => [s.topic, subscriptionData(s.topic, s.expression, "TAG", 1)]))
  if (clustering) {
    const retry = RETRY_GROUP_TOPIC_PREFIX + group
    table.set(retry, subscriptionData(retry, "*", "TAG", 1))
  }
  return table
}

/** The client id of the consumer under test. */
export const CLIENT_ID = "10.0.0.1@test"

/** Builds a push consumer's context in the current scope (the executor's workers live in it). */
export const makeConsumerParts = (
  options: ConsumerPartsOptions = {}
): Effect.Effect<ConsumerParts, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* Effect.orDie(makeClientConfig({ clientIP: "10.0.0.1", instanceName: "test" }))
    let heartbeats = 0
    const instance: ClientInstanceService = {
      clientId: CLIENT_ID,
      config,
      state: Effect.succeed("RUNNING"),
      registerProducer: () => Effect.void,
      registerConsumer: () => Effect.void,
      refreshRoutes: Effect.void,
      sendHeartbeat: Effect.sync(() => void heartbeats++),
      brokerVersion: () => Effect.succeed(undefined),
      rebalanceNow: Effect.void
    }
    const broker = new FakeBroker()
    const routes = new FakeRoutes()
    const consumerOptions: PushConsumerOptions<unknown, never> = {
      group: "G",
      subscriptions: [{ topic: "T" }],
      handler: () => Effect.succeed("CONSUME_SUCCESS"),
      ...options.consumer
    }
    const settings = resolveSettings(consumerOptions, instance, 0)
    const handled: Array<ReadonlyArray<MessageExt>> = []
    let answer = consumerOptions.handler
    return {
      context: {
        settings,
        instance,
        routes: routes.service,
        api: broker.api,
        offsetStore: options.offsetStore ?? RemoteBrokerOffsetStore.make(settings.group, broker.api),
        executor: yield* ConsumeExecutor.make(settings.initialConcurrency),
        handler: (messages, ctx) =>
          Effect.suspend(() => {
            handled.push(messages)
            return answer(messages, ctx)
          }),
        subscriptions: subscriptionTable(
          consumerOptions.subscriptions,
          settings.group,
          settings.messageModel === "CLUSTERING"
        ),
        processQueues: new ProcessQueueTable(),
        stats: new ConsumeStats(0),
        tracing: false,
        clock: yield* Effect.clock,
        metricLabels: yield* FiberRef.get(FiberRef.currentMetricLabels),
        handlerContext: yield* Effect.context<never>()
      },
      broker,
      routes,
      heartbeats: () => heartbeats,
      handled,
      handleWith: (handler) => void (answer = handler)
    }
  })

/** A queue held by the consumer (as a rebalance takes it): a fresh process queue, in the table. */
export const holdQueue = (context: ConsumerContext, queue: MessageQueue): Effect.Effect<HeldQueue> =>
  Effect.map(Effect.makeSemaphore(1), (consumeLock) => {
    const held: HeldQueue = { key: messageQueueKey(queue), queue, processQueue: new ProcessQueue(), consumeLock }
    context.processQueues.add(held)
    return held
  })

/** The instance's real pull message service, in the current scope. */
export const pullMessageService = Effect.map(
  Layer.build(PullMessageServiceLive.layer),
  (services) => Context.get(services, PullMessageService)
)

/** The offsets a handler was given, batch by batch. */
export const offsetsOf = (batches: ReadonlyArray<ReadonlyArray<MessageExt>>): ReadonlyArray<ReadonlyArray<number>> =>
  batches.map((b) => b.map((m) => m.queueOffset))
