import type { TopicRouteData } from "./bodies/TopicRouteData.js"
import type { MessageQueue } from "./MessageQueue.js"

/**
 * The prefix of the broker name of a static topic's logical queues (Java 5.x: `MixAll.LOGICAL_QUEUE_MOCK_BROKER_PREFIX`).
 *
 * @since 0.1.0
 * @category static topics
 */
export const LOGICAL_QUEUE_MOCK_BROKER_PREFIX = "__syslo__"

/**
 * Where a logical queue no broker serves points (Java 5.x: `MixAll.LOGICAL_QUEUE_MOCK_BROKER_NAME_NOT_EXIST`).
 *
 * @since 0.1.0
 * @category static topics
 */
export const LOGICAL_QUEUE_MOCK_BROKER_NAME_NOT_EXIST = "__syslo__none__"

const GLOBAL_SCOPE = "__global__"

/**
 * The broker name of a scope's logical queues (Java 5.x: `TopicQueueMappingUtils.getMockBrokerName`):
 * `__syslo__global__` for the global scope.
 *
 * @since 0.1.0
 * @category static topics
 */
export const mockBrokerName = (scope: string): string =>
  LOGICAL_QUEUE_MOCK_BROKER_PREFIX + (scope === GLOBAL_SCOPE ? scope.slice(2) : scope)

/**
 * The logical queues of a static topic and the broker serving each (Java 5.x:
 * `ClientMetadata.topicRouteData2EndpointsForStaticTopic`): per scope, the queues 0 to the largest `totalQueues` of the
 * newest epoch, each served by the broker of the newest epoch that maps it (a queue none maps points to
 * `__syslo__none__`), in queue id order. Empty for a route without a mapping (a topic that is not static).
 *
 * @since 0.1.0
 * @category static topics
 */
export const staticTopicEndpoints = (
  topic: string,
  route: TopicRouteData
): ReadonlyArray<{ readonly queue: MessageQueue; readonly brokerName: string }> => {
  const mapping = route.topicQueueMappingByBroker
  if (mapping === undefined || mapping === null) return []
  const byScope = new Map<string, Array<(typeof mapping)[string]>>()
  for (const info of Object.values(mapping)) {
    const list = byScope.get(info.scope) ?? []
    list.push(info)
    byScope.set(info.scope, list)
  }
  const out: Array<{ readonly queue: MessageQueue; readonly brokerName: string }> = []
  for (const [scope, infos] of byScope) {
    const sorted = [...infos].sort((a, b) => b.epoch - a.epoch)
    let maxTotal = 0
    const served = new Map<number, { readonly bname: string; readonly epoch: number }>()
    for (const info of sorted) {
      if (info.totalQueues > maxTotal) maxTotal = info.totalQueues
      for (const logical of Object.keys(info.currIdMap)) {
        const id = Number(logical)
        const old = served.get(id)
        if (old === undefined || old.epoch <= info.epoch) served.set(id, { bname: info.bname, epoch: info.epoch })
      }
    }
    const brokerName = mockBrokerName(scope)
    for (let queueId = 0; queueId < maxTotal; queueId++) {
      out.push({
        queue: { topic, brokerName, queueId },
        brokerName: served.get(queueId)?.bname ?? LOGICAL_QUEUE_MOCK_BROKER_NAME_NOT_EXIST
      })
    }
  }
  return out.sort((a, b) => a.queue.queueId - b.queue.queueId)
}

/**
 * The real broker of a queue (Java 5.x: `MQClientInstance.getBrokerNameFromMessageQueue`): a static topic's logical
 * queue is served by the broker its route's mapping names; any other queue by its own broker.
 *
 * @since 0.1.0
 * @category static topics
 */
export const brokerNameOfQueue = (route: TopicRouteData | undefined, queue: MessageQueue): string => {
  if (route === undefined || !queue.brokerName.startsWith(LOGICAL_QUEUE_MOCK_BROKER_PREFIX)) return queue.brokerName
  const found = staticTopicEndpoints(queue.topic, route).find(
    (e) => e.queue.brokerName === queue.brokerName && e.queue.queueId === queue.queueId
  )
  return found?.brokerName ?? queue.brokerName
}
