import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"
import { ClientInstance, type DuplicateGroupError } from "../services/ClientInstance.js"
import {
  type LitePullArgumentError,
  LitePullConsumer,
  litePullConsumerDefaults,
  type LitePullConsumerOptions,
  type LitePullConsumerService,
  type SubscriptionConflictError
} from "../services/LitePullConsumer.js"
import { withoutNamespace, wrapNamespace } from "../services/Namespace.js"
import type { OffsetStoreError } from "../services/OffsetStore.js"
import { PullMessageService } from "../services/PullMessageService.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { makeConsumerApi } from "./consumer/ConsumerApi.js"
import { ConsumeStats } from "./consumer/ConsumerContext.js"
import { makeOffsetStore } from "./consumer/OffsetStores.js"
import { ProcessQueueTable } from "./consumer/ProcessQueueTable.js"
import { subscribeQueues } from "./consumer/Rebalance.js"
import type { AssignedQueue } from "./litepull/AssignedQueue.js"
import { ConsumeRequestCache } from "./litepull/ConsumeRequestCache.js"
import type { LitePullContext } from "./litepull/LitePullContext.js"
import { makePoll } from "./litepull/Poll.js"
import { makeQueues } from "./litepull/Queues.js"
import { litePullRunningInfo } from "./litepull/RunningInfo.js"
import { makeSeeks } from "./litepull/Seek.js"
import { resolveLitePullSettings } from "./litepull/Settings.js"
import { litePullConsumerData, makeSubscriptions } from "./litepull/Subscriptions.js"
import type { PushConsumerRequirements } from "./PushConsumerLive.js"
import { tracerInstalled } from "./Tracing.js"

/**
 * What starting a lite pull consumer can fail with: its group already registered in this client instance, its
 * offsets unreadable (a broadcasting consumer's damaged offsets file), or options that both subscribe and assign, or
 * name an empty topic.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export type LitePullConsumerStartError =
  | DuplicateGroupError
  | OffsetStoreError
  | SubscriptionConflictError
  | LitePullArgumentError

/**
 * Builds a lite pull consumer in the current scope (Java: `DefaultLitePullConsumerImpl.start`): its offset store,
 * its registration with the client instance (heartbeats with CONSUME_ACTIVELY, the instance's rebalance task moves
 * its queues in subscribe mode, the broker's requests for its running info and offset resets reach it), and a pull
 * loop per queue held, run by the instance's pull message service. Subscriptions and queues given in the options
 * are taken at start.
 *
 * Closing the scope: no more rebalancing, every pull loop stopped, what `poll` handed out committed (with
 * auto-commit), offsets persisted, then the group unregistered from every broker.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: LitePullConsumerOptions
): Effect.Effect<LitePullConsumerService, LitePullConsumerStartError, Scope.Scope | PushConsumerRequirements> =>
  Effect.gen(function*() {
    const instance = yield* ClientInstance
    const routes = yield* TopicRouteCache
    const client = yield* RemotingClient
    const pulls = yield* PullMessageService
    const started = yield* Clock.currentTimeMillis
    const settings = resolveLitePullSettings(options, instance, started)
    const api = makeConsumerApi({
      client,
      routes,
      timeout: instance.config.apiTimeout,
      tracing: yield* tracerInstalled
    })
    const offsetStore = yield* makeOffsetStore({
      clustering: settings.messageModel === "CLUSTERING",
      group: settings.group,
      clientId: settings.clientId,
      api,
      localOffsetStoreDir: options.localOffsetStoreDir
    })
    const context: LitePullContext = {
      settings,
      instance,
      routes,
      api,
      offsetStore,
      pulls,
      table: new ProcessQueueTable<AssignedQueue>(),
      cache: new ConsumeRequestCache(yield* Effect.makeLatch(false), yield* Effect.makeLatch(false)),
      subscriptions: new Map(),
      stats: new ConsumeStats(started),
      state: { subscriptionType: "NONE" }
    }
    const lock = yield* Effect.makeSemaphore(1)
    const locked = lock.withPermits(1)
    const queues = makeQueues(context)
    const polls = makePoll(context, queues)
    const seeks = makeSeeks(context, queues, lock)
    const subscriptions = makeSubscriptions(context, queues, lock)
    let stopped = false
    const rebalance = locked(
      Effect.suspend(() => stopped || context.state.subscriptionType !== "SUBSCRIBE" ? Effect.void : queues.doRebalance)
    )
    const runningInfo = litePullRunningInfo(context, started)

    yield* instance.registerConsumer({
      groupName: settings.group,
      data: Effect.sync(() => litePullConsumerData(context)),
      persistOffsets: Effect.suspend(() => offsetStore.persistAll(context.table.queues())),
      rebalance,
      runningInfo,
      // RESET_CONSUMER_CLIENT_OFFSET: each queue held of the topic seeks to its new offset, which is persisted.
      resetOffset: (topic, offsets) =>
        locked(Effect.forEach(offsets, ([queue, offset]) => {
          const assigned = queue.topic === topic ? context.table.get(queue) : undefined
          return assigned === undefined ? Effect.void : Effect.zipRight(
            queues.restartAt(assigned, offset),
            Effect.ignoreLogged(offsetStore.persist(queue))
          )
        }, { discard: true })).pipe(
          Effect.zipRight(Effect.logInfo("consume offsets reset by the broker")),
          Effect.annotateLogs({ group: settings.group, topic })
        )
    })

    // Runs before the registration's release (finalizers run in reverse), which persists once more and unregisters.
    yield* Effect.addFinalizer(() =>
      locked(Effect.gen(function*() {
        stopped = true
        yield* pulls.stopGroup(settings.group)
        if (settings.autoCommit) yield* queues.commitAll
        for (const assigned of context.table.all()) assigned.processQueue.drop()
        yield* Effect.catchAllCause(
          offsetStore.persistAll(context.table.queues()),
          (cause) => Effect.logWarning("persisting offsets at shutdown failed", cause)
        )
      })).pipe(Effect.annotateLogs({ group: settings.group }))
    )

    for (const s of options.subscriptions ?? []) {
      yield* subscriptions.subscribe(s.topic, s.expression, s.type)
    }
    if (options.assignedQueues !== undefined) yield* subscriptions.assign(options.assignedQueues)

    const unwrap = (queue: MessageQueue): MessageQueue =>
      settings.namespace ? { ...queue, topic: withoutNamespace(queue.topic) } : queue
    const wrap = (queue: MessageQueue): MessageQueue =>
      settings.namespace ? { ...queue, topic: wrapNamespace(settings.namespace, queue.topic) } : queue

    return {
      group: settings.group,
      messageModel: settings.messageModel,
      ...subscriptions,
      assignment: Effect.sync(() => context.table.queues().map(unwrap)),
      fetchMessageQueues: (topic) => {
        const wrapped = wrapNamespace(settings.namespace, topic)
        return Effect.map(
          routes.refresh(wrapped),
          ({ route }) =>
            Option.match(route, { onNone: () => [], onSome: (r) => subscribeQueues(wrapped, r).map(unwrap) })
        )
      },
      poll: polls.poll,
      pollBatch: (timeout) =>
        Effect.map(polls.pollBatch(timeout), (batch) => batch && { ...batch, queue: unwrap(batch.queue) }),
      seek: (queue, offset) => seeks.seek(wrap(queue), offset),
      seekToBegin: (queue) => seeks.seekToBegin(wrap(queue)),
      seekToEnd: (queue) => seeks.seekToEnd(wrap(queue)),
      offsetForTimestamp: (queue, timestamp) => api.searchOffset(wrap(queue), timestamp),
      committed: (queue) => offsetStore.readOffset(wrap(queue), "MEMORY_FIRST_THEN_STORE"),
      pause: (qs) => setPaused(context, qs.map(wrap), true),
      resume: (qs) => setPaused(context, qs.map(wrap), false),
      commitSync: seeks.commitSync,
      commit: (offsets, persist) => seeks.commit(offsets.map(([q, o]) => [wrap(q), o] as const), persist),
      sendMessageBack: (queue, message, delayLevel) =>
        api.sendMessageBack(
          settings.group,
          wrap(queue),
          message,
          delayLevel,
          litePullConsumerDefaults.maxReconsumeTimes
        ),
      rebalance,
      runningInfo
    }
  })

/**
 * Java: `AssignedMessageQueue.pause` / `resume`, with the contract Java's documentation gives them: a paused queue is
 * not pulled and `poll` hands out nothing of it (what it buffered waits) until it resumes. Queues not held are passed
 * over.
 */
const setPaused = (context: LitePullContext, queues: ReadonlyArray<MessageQueue>, paused: boolean) =>
  Effect.sync(() => {
    const keys = new Set(queues.map(messageQueueKey))
    for (const assigned of context.table.all()) if (keys.has(assigned.key)) assigned.paused = paused
    if (!paused) context.cache.wake()
  })

/**
 * A lite pull consumer as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: LitePullConsumerOptions
): Layer.Layer<LitePullConsumer, LitePullConsumerStartError, PushConsumerRequirements> =>
  Layer.scoped(LitePullConsumer, make(options))
