import type { FileSystem } from "@effect/platform"
import { Cause, Clock, type Context, Deferred, Effect, Exit, Layer, Queue, Schedule, type Scope, Stream } from "effect"
import type { ConsumerRunningInfo, ProcessQueueInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import type { ConsumerData } from "../protocol/bodies/HeartbeatData.js"
import type { ConsumeMessageDirectlyResult } from "../protocol/bodies/OffsetTableBody.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../protocol/MessageConst.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"
import { ClientInstance, type DuplicateGroupError } from "../services/ClientInstance.js"
import { wrapNamespace } from "../services/Namespace.js"
import type { OffsetStoreError } from "../services/OffsetStore.js"
import { PullMessageService } from "../services/PullMessageService.js"
import {
  type ConsumeResult,
  PushConsumer,
  type PushConsumerOptions,
  type PushConsumerService
} from "../services/PushConsumer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import * as ConsumeConcurrently from "./consumer/ConsumeConcurrently.js"
import * as ConsumeExecutor from "./consumer/ConsumeExecutor.js"
import * as ConsumeOrderly from "./consumer/ConsumeOrderly.js"
import { makeConsumerApi } from "./consumer/ConsumerApi.js"
import {
  type ConsumerContext,
  ConsumeStats,
  type HeldQueue,
  LOCK_RENEW_INTERVAL,
  prepareMessage,
  resolveSettings,
  subscriptionData
} from "./consumer/ConsumerContext.js"
import * as Rebalance from "./consumer/Rebalance.js"
import * as LocalFileOffsetStore from "./LocalFileOffsetStore.js"
import * as RemoteBrokerOffsetStore from "./RemoteBrokerOffsetStore.js"
import { tracerInstalled } from "./Tracing.js"

/**
 * What a push consumer needs beneath it: the client (`ClientLive`, whose pull message service runs its pull loops)
 * and a `FileSystem` (for the local offset store of broadcasting consumers).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PushConsumerRequirements =
  | ClientInstance
  | PullMessageService
  | TopicRouteCache
  | RemotingClient
  | FileSystem.FileSystem

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
  options: PushConsumerOptions<E, R>
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
    const settings = resolveSettings(options as PushConsumerOptions<unknown, unknown>, instance, started)
    const clustering = settings.messageModel === "CLUSTERING"
    const api = makeConsumerApi({ client, routes, timeout: instance.config.apiTimeout })
    const offsetStore = clustering
      ? RemoteBrokerOffsetStore.make(settings.group, api)
      : yield* LocalFileOffsetStore.make({
        dir: options.localOffsetStoreDir,
        clientId: settings.clientId,
        group: settings.group
      })
    yield* offsetStore.load

    const subscriptions = new Map(
      options.subscriptions.map((s) => {
        const topic = wrapNamespace(settings.namespace, s.topic)
        return [topic, subscriptionData(topic, s.expression, s.type ?? "TAG", started)] as const
      })
    )
    if (clustering) {
      // Java: a clustering consumer also reads its group's retry topic.
      const retry = RETRY_GROUP_TOPIC_PREFIX + settings.group
      subscriptions.set(retry, subscriptionData(retry, "*", "TAG", started))
    }

    const runtime = yield* Effect.context<R>()
    const context: ConsumerContext = {
      settings,
      instance,
      routes,
      api,
      offsetStore,
      executor: yield* ConsumeExecutor.make(settings.initialConcurrency),
      // The executor's workers run with this very context, so the handler's is provided only elsewhere (a message
      // consumed directly at the broker's request): merging a context into itself copies it, on every batch.
      handler: (messages, ctx) =>
        Effect.contextWithEffect((current: Context.Context<never>) =>
          current === runtime
            ? options.handler(messages, ctx) as Effect.Effect<ConsumeResult, E>
            : Effect.provide(options.handler(messages, ctx), runtime)
        ),
      subscriptions,
      held: new Map<string, HeldQueue>(),
      stats: new ConsumeStats(started),
      tracing: yield* tracerInstalled
    }
    // The orderly service locks queues through the rebalance, which is made just below (called only later).
    const consume = settings.orderly
      ? yield* ConsumeOrderly.make(context, (held) => Effect.suspend(() => rebalancer.lockHeld(held)))
      : yield* ConsumeConcurrently.make(context)
    const rebalancer = Rebalance.make(context, consume, pulls)
    const rebalancing = yield* Effect.makeSemaphore(1)
    let stopped = false
    const rebalance = rebalancing.withPermits(1)(Effect.suspend(() => (stopped ? Effect.void : rebalancer.rebalance)))
    const heldQueues = () => [...context.held.values()].map((h) => h.queue)
    /** The offset to commit a held queue has now, -1 when none. */
    const commitOffsetOf = (h: HeldQueue) =>
      Effect.orElseSucceed(offsetStore.readOffset(h.queue, "READ_FROM_MEMORY"), () => -1)

    const consumerData = Effect.sync((): ConsumerData => ({
      groupName: settings.group,
      consumeType: "CONSUME_PASSIVELY",
      messageModel: settings.messageModel,
      consumeFromWhere: settings.consumeFromWhere,
      subscriptionDataSet: [...subscriptions.values()],
      unitMode: false
    }))

    const runningInfo = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const mqTable: Array<{ messageQueue: MessageQueue; info: ProcessQueueInfo }> = []
      for (const h of context.held.values()) {
        const pq = h.processQueue
        const range = pq.cachedRange
        mqTable.push({
          messageQueue: h.queue,
          info: {
            commitOffset: yield* commitOffsetOf(h),
            cachedMsgMinOffset: range.min,
            cachedMsgMaxOffset: range.max,
            cachedMsgCount: pq.count,
            cachedMsgSizeInMiB: Math.floor(pq.bodyBytes / (1024 * 1024)),
            transactionMsgMinOffset: 0,
            transactionMsgMaxOffset: 0,
            transactionMsgCount: 0,
            locked: pq.locked,
            tryUnlockTimes: pq.tryUnlockTimes,
            lastLockTimestamp: pq.lastLockTimestamp,
            droped: pq.dropped,
            lastPullTimestamp: pq.lastPullTimestamp,
            lastConsumeTimestamp: pq.lastConsumeTimestamp
          }
        })
      }
      const info: ConsumerRunningInfo = {
        properties: {
          consumerGroup: settings.group,
          messageModel: settings.messageModel,
          consumeFromWhere: settings.consumeFromWhere,
          consumeMessageBatchMaxSize: String(settings.consumeBatchSize),
          pullBatchSize: String(settings.pullBatchSize),
          pullThresholdForQueue: String(settings.pullThresholdForQueue),
          maxReconsumeTimes: String(settings.maxReconsumeTimes),
          PROP_CONSUMEORDERLY: String(settings.orderly),
          PROP_CONSUME_TYPE: "CONSUME_PASSIVELY",
          PROP_THREADPOOL_CORE_SIZE: String(yield* context.executor.concurrency),
          PROP_CONSUMER_START_TIMESTAMP: String(started)
        },
        subscriptionSet: [...subscriptions.values()],
        mqTable,
        statusTable: Object.fromEntries(context.stats.status(now))
      }
      return info
    })

    /** CONSUME_MESSAGE_DIRECTLY (Java: `consumeMessageDirectly`): the message through the handler, nothing committed. */
    const consumeDirectly = (message: MessageExt, brokerName: string | undefined) =>
      Effect.gen(function*() {
        const begin = yield* Clock.currentTimeMillis
        const prepared = prepareMessage(message, settings.group, settings.namespace, { minOffset: 0, maxOffset: 0 })
        const queue = { topic: prepared.topic, brokerName: brokerName ?? "", queueId: message.queueId }
        const exit = yield* Effect.exit(context.handler([prepared], { queue }))
        const spentTimeMills = (yield* Clock.currentTimeMillis) - begin
        const result: ConsumeMessageDirectlyResult = Exit.isSuccess(exit)
          ? {
            order: settings.orderly,
            autoCommit: true,
            consumeResult: exit.value === "CONSUME_SUCCESS" ? "CR_SUCCESS" : "CR_LATER",
            spentTimeMills
          }
          : {
            order: settings.orderly,
            autoCommit: true,
            consumeResult: "CR_THROW_EXCEPTION",
            remark: Cause.pretty(exit.cause),
            spentTimeMills
          }
        return result
      })

    /**
     * RESET_CONSUMER_CLIENT_OFFSET (Java: `MQClientInstance.resetOffset`): the topic's queues held are dropped, the
     * new offsets stored and persisted, and the queues taken again from them.
     */
    const resetOffset = (topic: string, offsets: ReadonlyArray<readonly [MessageQueue, number]>) =>
      rebalancing.withPermits(1)(Effect.gen(function*() {
        const wanted = new Map(offsets.map(([q, o]) => [messageQueueKey(q), o]))
        const retake: Array<readonly [MessageQueue, number]> = []
        for (const held of [...context.held.values()]) {
          const offset = wanted.get(held.key)
          if (held.queue.topic !== topic || offset === undefined) continue
          yield* offsetStore.updateOffset(held.queue, offset, false)
          yield* rebalancer.release(held)
          retake.push([held.queue, offset])
        }
        for (const [queue, offset] of retake) yield* rebalancer.take(queue, offset)
        yield* Effect.logInfo("consume offsets reset by the broker").pipe(
          Effect.annotateLogs({ group: settings.group, topic, queues: retake.length })
        )
      }))

    yield* instance.registerConsumer({
      groupName: settings.group,
      data: consumerData,
      persistOffsets: Effect.suspend(() => offsetStore.persistAll(heldQueues())),
      adjustConcurrency: context.executor.apply,
      rebalance,
      runningInfo,
      consumeDirectly,
      resetOffset
    })

    if (settings.orderly && clustering) {
      // Java: `ConsumeMessageOrderlyService.start`: every held queue's broker lock renewed, first after 1 s.
      yield* rebalancer.lockAll.pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("lock renewal failed", cause)),
        Effect.repeat(Schedule.spaced(LOCK_RENEW_INTERVAL)),
        Effect.delay("1 second"),
        Effect.forkScoped
      )
    }

    // Runs before the registration's release (finalizers run in reverse), which persists once more and unregisters.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        stopped = true
        yield* rebalancing.withPermits(1)(Effect.void)
        yield* pulls.stopGroup(settings.group)
        yield* context.executor.drain(settings.shutdownTimeout)
        yield* Effect.catchAllCause(
          offsetStore.persistAll(heldQueues()),
          (cause) => Effect.logWarning("persisting offsets at shutdown failed", cause)
        )
        yield* rebalancer.releaseAll
      }).pipe(Effect.annotateLogs({ group: settings.group }))
    )

    return {
      group: settings.group,
      assignedQueues: Effect.sync(heldQueues),
      queueStates: Effect.gen(function*() {
        const states = []
        for (const h of context.held.values()) {
          states.push({
            queue: h.queue,
            cachedMessageCount: h.processQueue.count,
            cachedMessageBytes: h.processQueue.bodyBytes,
            commitOffset: yield* commitOffsetOf(h),
            locked: h.processQueue.locked
          })
        }
        return states
      }),
      setConcurrency: context.executor.setConcurrency,
      concurrency: context.executor.concurrency,
      rebalance,
      runningInfo
    }
  })

/**
 * A push consumer as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E, R>(
  options: PushConsumerOptions<E, R>
): Layer.Layer<PushConsumer, DuplicateGroupError | OffsetStoreError, PushConsumerRequirements | R> =>
  Layer.scoped(PushConsumer, make(options))

/**
 * Settings of a consumer seen as a stream: those of a push consumer but the handler (the stream's consumer is the
 * handler) and the batch size (one message at a time).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PushConsumerStreamOptions = Omit<
  PushConsumerOptions<never, never>,
  "handler" | "consumeMessageBatchMaxSize"
>

/**
 * A push consumer as a `Stream` of messages (see `PushConsumer.stream`). Each message is handed over one at a time;
 * it counts as consumed (its offset may be committed) once the stream's consumer has taken it and asks for the next
 * element. When the stream ends, the messages it took but did not finish with, and those waiting, are not
 * committed: the consumer is closed and they will be delivered again.
 *
 * @since 0.1.0
 * @category consumer
 */
export const stream = (
  options: PushConsumerStreamOptions
): Stream.Stream<MessageExt, PushConsumerStartError, PushConsumerRequirements> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const handoff = yield* Queue.bounded<{ readonly message: MessageExt; readonly consumed: Deferred.Deferred<void> }>(
      1
    )
    const waiting = new Set<Deferred.Deferred<void>>()
    yield* make({
      ...options,
      consumeMessageBatchMaxSize: 1,
      handler: (messages) =>
        Effect.flatMap(Deferred.make<void>(), (consumed) =>
          Effect.gen(function*() {
            waiting.add(consumed)
            yield* Queue.offer(handoff, { message: messages[0]!, consumed })
            yield* Deferred.await(consumed)
            return "CONSUME_SUCCESS" as const
          }).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(consumed)))))
    })
    // Runs before the consumer's own shutdown: handlers waiting on the stream are let go, uncommitted.
    yield* Effect.addFinalizer(() =>
      Effect.zipRight(Queue.shutdown(handoff), Effect.forEach(waiting, (d) => Deferred.interrupt(d), { discard: true }))
    )
    let previous: Deferred.Deferred<void> | undefined
    return Stream.repeatEffect(Effect.gen(function*() {
      if (previous !== undefined) yield* Deferred.succeed(previous, undefined)
      const next = yield* Queue.take(handoff)
      previous = next.consumed
      return next.message
    }))
  }))
