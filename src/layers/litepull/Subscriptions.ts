import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { ConsumerData } from "../../protocol/bodies/HeartbeatData.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import {
  LitePullArgumentError,
  SubscriptionConflictError,
  type SubscriptionConflictError as Conflict
} from "../../services/LitePullConsumer.js"
import { wrapNamespace } from "../../services/Namespace.js"
import { subscriptionData } from "../consumer/ConsumerContext.js"
import type { LitePullContext, SubscriptionType } from "./LitePullContext.js"
import type { LitePullQueues } from "./Queues.js"

/**
 * A lite pull consumer's `subscribe`, `unsubscribe` and `assign` (Java: `DefaultLitePullConsumerImpl`): the first
 * of `subscribe` and `assign` fixes how the consumer gets its queues, and the other is then refused.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const makeSubscriptions = (context: LitePullContext, queues: LitePullQueues, lock: Effect.Semaphore) => {
  const { instance, settings, state, subscriptions } = context
  const locked = lock.withPermits(1)

  /** Java: `setSubscriptionType`. */
  const setSubscriptionType = (type: Exclude<SubscriptionType, "NONE">): Effect.Effect<void, Conflict> =>
    Effect.suspend(() => {
      if (state.subscriptionType === "NONE") state.subscriptionType = type
      return state.subscriptionType === type
        ? Effect.void
        : Effect.fail(new SubscriptionConflictError({ attempted: type === "SUBSCRIBE" ? "subscribe" : "assign" }))
    })

  /**
   * Java: `subscribe`: the topic's route is fetched and heartbeats go out at once (the brokers of the topic learn of
   * this consumer), then the group rebalances.
   */
  const subscribe = (topic: string, expression = "*", type: "TAG" | "SQL92" = "TAG") =>
    Effect.gen(function*() {
      if (topic.length === 0) return yield* new LitePullArgumentError({ reason: "Topic can not be null or empty." })
      yield* locked(Effect.gen(function*() {
        yield* setSubscriptionType("SUBSCRIBE")
        const wrapped = wrapNamespace(settings.namespace, topic)
        subscriptions.set(wrapped, subscriptionData(wrapped, expression, type, yield* Clock.currentTimeMillis))
      }))
      yield* instance.refreshRoutes
      yield* instance.sendHeartbeat
      yield* instance.rebalanceNow
    })

  /** Java: `unsubscribe`: the topic's queues are let go (committed and persisted first). */
  const unsubscribe = (topic: string) =>
    locked(Effect.gen(function*() {
      const wrapped = wrapNamespace(settings.namespace, topic)
      subscriptions.delete(wrapped)
      yield* queues.holdExactly(wrapped, [])
    })).pipe(Effect.zipRight(instance.sendHeartbeat))

  /** Java: `assign`: these queues exactly, from their committed offsets; the others are let go. */
  const assign = (assigned: ReadonlyArray<MessageQueue>) =>
    Effect.gen(function*() {
      if (assigned.length === 0) {
        return yield* new LitePullArgumentError({ reason: "Message queues can not be null or empty." })
      }
      yield* locked(Effect.zipRight(
        setSubscriptionType("ASSIGN"),
        queues.holdExactly(
          undefined,
          assigned.map((q) => ({ ...q, topic: wrapNamespace(settings.namespace, q.topic) }))
        )
      ))
    })

  return { subscribe, unsubscribe, assign }
}

/**
 * What the consumer's heartbeats say of it (Java: `ConsumerData` of a lite pull consumer): CONSUME_ACTIVELY, its
 * subscriptions (none in assign mode).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const litePullConsumerData = ({ settings, subscriptions }: LitePullContext): ConsumerData => ({
  groupName: settings.group,
  consumeType: "CONSUME_ACTIVELY",
  messageModel: settings.messageModel,
  consumeFromWhere: settings.consumeFromWhere,
  subscriptionDataSet: [...subscriptions.values()],
  unitMode: false
})
