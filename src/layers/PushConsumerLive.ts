import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { ConsumerData } from "../protocol/bodies/HeartbeatData.js"
import { ipToBytes } from "../protocol/HostAddress.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../protocol/MessageConst.js"
import { UniqueIdGenerator } from "../protocol/MessageId.js"
import { RMQ_SYS_TRACE_TOPIC } from "../protocol/TraceData.js"
import { ClientInstance, type DuplicateGroupError } from "../services/ClientInstance.js"
import type { NameServerAddresses } from "../services/NameServerAddresses.js"
import { withoutNamespace, wrapNamespace } from "../services/Namespace.js"
import type { OffsetStoreError } from "../services/OffsetStore.js"
import { PullMessageService } from "../services/PullMessageService.js"
import {
  PushConsumer,
  type PushConsumerOptions,
  type PushConsumerService,
  type Subscription,
  type TypedPushConsumerOptions
} from "../services/PushConsumer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import type { RequestFutures } from "../services/RequestFutures.js"
import type { RequestHandlers } from "../services/RequestHandlers.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import * as ConsumeConcurrently from "./consumer/ConsumeConcurrently.js"
import { consumeDirectly } from "./consumer/ConsumeDirectly.js"
import * as ConsumeExecutor from "./consumer/ConsumeExecutor.js"
import * as ConsumeOrderly from "./consumer/ConsumeOrderly.js"
import { makeConsumerApi } from "./consumer/ConsumerApi.js"
import {
  type ConsumeHandler,
  type ConsumerContext,
  type ConsumerSettings,
  ConsumeStats,
  LOCK_RENEW_INTERVAL,
  resolveSettings,
  subscriptionData
} from "./consumer/ConsumerContext.js"
import type { ConsumeTracer } from "./consumer/ConsumeTrace.js"
import { makeOffsetStore } from "./consumer/OffsetStores.js"
import { makePopAssignment } from "./consumer/PopAssignment.js"
import { ProcessQueueTable } from "./consumer/ProcessQueueTable.js"
import { makeQueueLocks } from "./consumer/QueueLocks.js"
import * as Rebalance from "./consumer/Rebalance.js"
import { queueStates, runningInfo } from "./consumer/RunningInfo.js"
import { typedHandler } from "./consumer/TypedHandler.js"
import * as ProducerLive from "./ProducerLive.js"
import { dispatcherFor } from "./trace/AsyncTraceDispatcher.js"
import { tracerInstalled } from "./Tracing.js"

/**
 * What a push consumer needs beneath it: the client (`ClientLive`, whose pull message service runs its pull loops;
 * with message trace on, its trace dispatcher, or what the consumer's own inner trace producer needs).
 * A broadcasting consumer keeps its offsets in a local file through the `FileSystem` of its context when there is
 * one, else Node's (loaded then: a clustering consumer never loads a file system).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PushConsumerRequirements =
  | ClientInstance
  | PullMessageService
  | TopicRouteCache
  | RemotingClient
  | NameServerAddresses
  | RequestHandlers
  | RequestFutures

/**
 * What starting a push consumer can fail with: its group already registered in this client instance, or its
 * offsets unreadable (a broadcasting consumer's damaged offsets file).
 *
 * @since 0.1.0
 * @category errors
 */
export type PushConsumerStartError = DuplicateGroupError | OffsetStoreError

/**
 * Builds a push consumer in the current scope (Java: `DefaultMQPushConsumerImpl.start`): its offset store, its
 * registration with the client instance (heartbeats carry its subscriptions, the instance's rebalance task moves its
 * queues), a pull loop per queue held and the consume service.
 *
 * Closing the scope shuts down in order: no more rebalancing, every pull loop stopped, handlers in flight given up to
 * `shutdownTimeout` to finish (what they complete is committed; what is still running then is interrupted and not
 * committed), offsets persisted, orderly locks released, then the group unregistered from every broker.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E, R>(
  options: PushConsumerOptions<E, R> | TypedPushConsumerOptions<E, R>
): Effect.Effect<
  PushConsumerService,
  DuplicateGroupError | OffsetStoreError,
  Scope.Scope | PushConsumerRequirements | R
> =>
  Effect.gen(function*() {
    const instance = yield* ClientInstance
    const routes = yield* TopicRouteCache
    const client = yield* RemotingClient
    const pulls = yield* PullMessageService
    const started = yield* Clock.currentTimeMillis
    const settings = resolveSettings(options, instance, started)
    const clustering = settings.messageModel === "CLUSTERING"
    const tracing = yield* tracerInstalled
    const api = makeConsumerApi({ client, routes, timeout: instance.config.apiTimeout, tracing })
    const offsetStore = yield* makeOffsetStore({
      clustering,
      group: settings.group,
      clientId: settings.clientId,
      api,
      localOffsetStoreDir: options.localOffsetStoreDir
    })

    const runtime = yield* Effect.context<R>()
    // The handler's context `R` is provided below, with the runtime's.
    const handle = ("handler" in options
      ? options.handler
      : typedHandler(options.subscriptions, settings.orderly)) as ConsumeHandler
    const context: ConsumerContext = {
      settings,
      instance,
      routes,
      api,
      offsetStore,
      executor: yield* ConsumeExecutor.make(settings.initialConcurrency),
      // The executor's workers run with this very context: the handler runs as it is there (a wrapper reading the
      // context cost two fiber steps per batch), and `consumeDirectly` provides it.
      handler: handle,
      handlerContext: runtime,
      subscriptions: subscriptionTable(options.subscriptions, settings, started),
      processQueues: new ProcessQueueTable(),
      stats: new ConsumeStats(started),
      tracing,
      clock: yield* Effect.clock,
      metricLabels: yield* FiberRef.get(FiberRef.currentMetricLabels),
      trace: options.enableMsgTrace === true ? yield* consumeTracer(options, settings, instance) : undefined
    }
    const locks = makeQueueLocks(context)
    const consume = settings.orderly
      ? yield* ConsumeOrderly.make(context, locks.lockHeld)
      : yield* ConsumeConcurrently.make(context)
    const pop = settings.clientRebalance ? undefined : makePopAssignment(context, pulls)
    const rebalancer = yield* Rebalance.make(context, consume, pulls, locks, pop)
    const info = runningInfo(context, started)

    yield* instance.registerConsumer({
      groupName: settings.group,
      data: Effect.sync(() => consumerData(context)),
      persistOffsets: Effect.suspend(() => offsetStore.persistAll(context.processQueues.queues())),
      adjustConcurrency: context.executor.apply,
      rebalance: rebalancer.rebalance,
      runningInfo: info,
      consumeDirectly: (message, brokerName) => consumeDirectly(context, message, brokerName),
      consumeStatus: offsetStore.offsets,
      resetOffset: rebalancer.resetOffset
    })

    if (settings.orderly && clustering) {
      // Java: `ConsumeMessageOrderlyService.start`: every held queue's broker lock renewed, first after 1 s.
      yield* locks.lockAll.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("lock renewal failed", cause)),
        Effect.repeat(Schedule.spaced(LOCK_RENEW_INTERVAL)),
        Effect.delay("1 second"),
        Effect.interruptible,
        Effect.forkScoped
      )
    }

    // Runs before the registration's release (finalizers run in reverse), which persists once more and unregisters.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (!(yield* rebalancer.stop(settings.shutdownTimeout))) {
          yield* Effect.logWarning("a rebalance still ran at the shutdown deadline; closing")
        }
        if (pop !== undefined) yield* pop.dropAll
        yield* pulls.stopGroup(settings.group)
        yield* context.executor.drain(settings.shutdownTimeout)
        yield* Effect.catchAllCause(
          offsetStore.persistAll(context.processQueues.queues()),
          (cause) => Effect.logWarning("persisting offsets at shutdown failed", cause)
        )
        yield* rebalancer.releaseAll
      }).pipe(Effect.annotateLogs({ group: settings.group }))
    )

    return {
      group: settings.group,
      assignedQueues: Effect.sync(() => context.processQueues.queues()),
      queueStates: queueStates(context),
      setConcurrency: context.executor.setConcurrency,
      concurrency: context.executor.concurrency,
      rebalance: rebalancer.rebalance,
      runningInfo: info
    }
  })

/**
 * The message trace of a consumer whose trace is on (Java: `ConsumeMessageTraceHookImpl`): its client's trace
 * dispatcher, or one of its own.
 */
const consumeTracer = (
  options: { readonly group: string; readonly customizedTraceTopic?: string | undefined },
  settings: ConsumerSettings,
  instance: Context.Tag.Service<ClientInstance>
) =>
  Effect.gen(function*() {
    const tracer: ConsumeTracer = {
      dispatcher: yield* dispatcherFor({ group: options.group, type: "CONSUME" }, ProducerLive.make),
      traceTopic: options.customizedTraceTopic || RMQ_SYS_TRACE_TOPIC,
      group: withoutNamespace(settings.group),
      requestIds: new UniqueIdGenerator({
        ip: ipToBytes(instance.config.clientIP) ?? new Uint8Array(4),
        pid: process.pid,
        salt: yield* Random.nextIntBetween(0, 2 ** 31 - 1)
      }),
      consumeTimeoutMillis: Duration.toMillis(settings.consumeTimeout)
    }
    return tracer
  })

/**
 * The subscriptions by topic as they travel (under the namespace), with the group's retry topic for a clustering
 * consumer (Java: `copySubscription`).
 */
const subscriptionTable = (
  subscriptions: ReadonlyArray<Subscription>,
  settings: ConsumerSettings,
  subVersion: number
) => {
  const table = new Map(
    subscriptions.map((s) => {
      const topic = wrapNamespace(settings.namespace, s.topic)
      return [topic, subscriptionData(topic, s.expression, s.type ?? "TAG", subVersion)] as const
    })
  )
  if (settings.messageModel === "CLUSTERING") {
    const retry = RETRY_GROUP_TOPIC_PREFIX + settings.group
    table.set(retry, subscriptionData(retry, "*", "TAG", subVersion))
  }
  return table
}

/** What the consumer's heartbeats say of it (Java: `ConsumerData`). */
const consumerData = ({ settings, subscriptions }: ConsumerContext): ConsumerData => ({
  groupName: settings.group,
  consumeType: "CONSUME_PASSIVELY",
  messageModel: settings.messageModel,
  consumeFromWhere: settings.consumeFromWhere,
  subscriptionDataSet: [...subscriptions.values()],
  unitMode: false
})

/**
 * A push consumer as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  options: PushConsumerOptions<E, R> | TypedPushConsumerOptions<E, R>
): Layer.Layer<PushConsumer, DuplicateGroupError | OffsetStoreError, PushConsumerRequirements | R> =>
  Layer.scoped(PushConsumer, make(options))
