import { PermName, type TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import { staticTopicEndpoints } from "../protocol/StaticTopic.js"

/**
 * The queues a producer may send a topic's messages to (Java: `TopicPublishInfo`, built by
 * `MQClientInstance.topicRouteData2TopicPublishInfo`): for each broker whose queues are writable and which has a
 * master, queue ids 0 to writeQueueNums-1, brokers in name order; for a static topic (5.x), its logical queues.
 *
 * @since 0.1.0
 * @category routing
 */
export const publishQueues = (topic: string, route: TopicRouteData): ReadonlyArray<MessageQueue> => {
  const logical = staticTopicEndpoints(topic, route)
  if (logical.length > 0) return logical.map((e) => e.queue)
  const masters = new Set(route.brokerDatas.filter((b) => b.brokerAddrs["0"] !== undefined).map((b) => b.brokerName))
  return [...route.queueDatas]
    .sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0))
    .filter((q) => (q.perm & PermName.WRITE) !== 0 && masters.has(q.brokerName))
    .flatMap((q) =>
      Array.from({ length: q.writeQueueNums }, (_, queueId) => ({ brokerName: q.brokerName, queueId, topic }))
    )
}

/**
 * The next queue, round robin from a per-topic counter, avoiding the broker that just failed when another exists
 * (Java: `TopicPublishInfo.selectOneMessageQueue(lastBrokerName)`).
 *
 * @since 0.1.0
 * @category routing
 */
export const selectQueue = (
  queues: ReadonlyArray<MessageQueue>,
  counter: number,
  lastBrokerName?: string | undefined,
  isAvailable: (brokerName: string) => boolean = () => true
): MessageQueue | undefined => {
  if (queues.length === 0) return undefined
  for (let i = 0; i < queues.length; i++) {
    const queue = queues[Math.abs(counter + i) % queues.length]!
    if (queue.brokerName !== lastBrokerName && isAvailable(queue.brokerName)) return queue
  }
  for (let i = 0; i < queues.length; i++) {
    const queue = queues[Math.abs(counter + i) % queues.length]!
    if (queue.brokerName !== lastBrokerName) return queue
  }
  return queues[Math.abs(counter) % queues.length]
}

/**
 * Java's latency fault table (`MQFaultStrategy`): a send that took at least `latencyMax[i]` ms makes its broker
 * unavailable for `notAvailableDuration[i]` ms (a failure counts as 30 s).
 *
 * @since 0.1.0
 * @category routing
 */
export const LATENCY_MAX = [50, 100, 550, 1000, 2000, 3000, 15000] as const
/** @since 0.1.0 @category routing */
export const NOT_AVAILABLE_DURATION = [0, 0, 30000, 60000, 120000, 180000, 600000] as const

/**
 * How long a broker is avoided after a send that took `latency` ms (Java: `MQFaultStrategy.computeNotAvailableDuration`).
 *
 * @since 0.1.0
 * @category routing
 */
export const notAvailableDuration = (latency: number): number => {
  for (let i = LATENCY_MAX.length - 1; i >= 0; i--) if (latency >= LATENCY_MAX[i]!) return NOT_AVAILABLE_DURATION[i]!
  return 0
}

/**
 * Brokers to avoid until a time (Java: `LatencyFaultToleranceImpl`).
 *
 * @since 0.1.0
 * @category routing
 */
export class LatencyFaultTable {
  private readonly until = new Map<string, number>()

  /** Records a send's latency; a failure is recorded as Java does, as 30 s. */
  update(brokerName: string, latency: number, now: number): void {
    const duration = notAvailableDuration(latency)
    if (duration > 0) this.until.set(brokerName, now + duration)
    else this.until.delete(brokerName)
  }

  isAvailable(brokerName: string, now: number): boolean {
    const until = this.until.get(brokerName)
    return until === undefined || now >= until
  }
}
