import type { SubscriptionData } from "../../protocol/bodies/HeartbeatData.js"
import type { ClientInstanceService } from "../../services/ClientInstance.js"
import type { OffsetStoreService } from "../../services/OffsetStore.js"
import type { PullMessageServiceService } from "../../services/PullMessageService.js"
import type { TopicRouteCacheService } from "../../services/TopicRouteCache.js"
import type { ConsumerApi } from "../consumer/ConsumerApi.js"
import { type ConsumeStats, subscriptionData } from "../consumer/ConsumerContext.js"
import type { ProcessQueueTable } from "../consumer/ProcessQueueTable.js"
import type { AssignedQueue } from "./AssignedQueue.js"
import type { ConsumeRequestCache } from "./ConsumeRequestCache.js"
import type { LitePullSettings } from "./Settings.js"

/**
 * How a lite pull consumer gets its queues (Java: `SubscriptionType`): none chosen yet, `subscribe` or `assign`.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export type SubscriptionType = "NONE" | "SUBSCRIBE" | "ASSIGN"

/**
 * What the parts of one lite pull consumer share: its settings, the client instance's services it uses, the queues
 * it holds, the buffer `poll` takes from, and its subscriptions (by topic as it travels).
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface LitePullContext {
  readonly settings: LitePullSettings
  readonly instance: ClientInstanceService
  readonly routes: TopicRouteCacheService
  readonly api: ConsumerApi
  readonly offsetStore: OffsetStoreService
  readonly pulls: PullMessageServiceService
  readonly table: ProcessQueueTable<AssignedQueue>
  readonly cache: ConsumeRequestCache
  readonly subscriptions: Map<string, SubscriptionData>
  readonly stats: ConsumeStats
  readonly state: { subscriptionType: SubscriptionType }
}

/**
 * The subscription a queue's pulls carry (Java: `PullTaskImpl.run`): the topic's subscription in subscribe mode,
 * every tag (`*`) in assign mode; `undefined` for a topic no longer subscribed.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export const subscriptionOf = (context: LitePullContext, topic: string): SubscriptionData | undefined =>
  context.state.subscriptionType === "SUBSCRIBE"
    ? context.subscriptions.get(topic)
    : subscriptionData(topic, "*", "TAG", 0)
