import { createHash } from "node:crypto"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import { lowerBound } from "./LowerBound.js"

/**
 * How a consumer group's queues are shared among its consumers (Java: `AllocateMessageQueueStrategy`): given every
 * queue and every consumer id (both sorted, as the rebalance sorts them) and this consumer's id, the queues that are
 * this consumer's. Every consumer of the group computes the same split from the same inputs.
 *
 * @since 0.1.0
 * @category rebalance
 */
export interface AllocateMessageQueueStrategy {
  readonly name: string
  readonly allocate: (
    currentCID: string,
    mqAll: ReadonlyArray<MessageQueue>,
    cidAll: ReadonlyArray<string>
  ) => ReadonlyArray<MessageQueue>
}

/** Java's `AbstractAllocateMessageQueueStrategy.check`: nothing for a consumer not in the list. */
const usable = (currentCID: string, mqAll: ReadonlyArray<MessageQueue>, cidAll: ReadonlyArray<string>) =>
  currentCID.length > 0 && mqAll.length > 0 && cidAll.includes(currentCID)

/**
 * Consecutive blocks, the first `queues % consumers` consumers one queue more (Java:
 * `AllocateMessageQueueAveragely`).
 *
 * @since 0.1.0
 * @category rebalance
 */
export const averagely: AllocateMessageQueueStrategy = {
  name: "AVG",
  allocate: (currentCID, mqAll, cidAll) => {
    if (!usable(currentCID, mqAll, cidAll)) return []
    const index = cidAll.indexOf(currentCID)
    const mod = mqAll.length % cidAll.length
    const averageSize = mqAll.length <= cidAll.length
      ? 1
      : mod > 0 && index < mod
      ? Math.floor(mqAll.length / cidAll.length) + 1
      : Math.floor(mqAll.length / cidAll.length)
    const startIndex = mod > 0 && index < mod ? index * averageSize : index * averageSize + mod
    const range = Math.min(averageSize, mqAll.length - startIndex)
    return Array.from({ length: Math.max(0, range) }, (_, i) => mqAll[(startIndex + i) % mqAll.length]!)
  }
}

/**
 * Queues dealt round the consumers like cards (Java: `AllocateMessageQueueAveragelyByCircle`).
 *
 * @since 0.1.0
 * @category rebalance
 */
export const averagelyByCircle: AllocateMessageQueueStrategy = {
  name: "AVG_BY_CIRCLE",
  allocate: (currentCID, mqAll, cidAll) => {
    if (!usable(currentCID, mqAll, cidAll)) return []
    const index = cidAll.indexOf(currentCID)
    return mqAll.filter((_, i) => i >= index && i % cidAll.length === index)
  }
}

/** Java's `ConsistentHashRouter.MD5Hash`: the first 4 bytes of the MD5 of the key, as an unsigned number. */
const md5Hash = (key: string): number => createHash("md5").update(key, "utf8").digest().readUInt32BE(0)

/** Java's `MessageQueue.toString()`, the key a queue is routed by. */
const queueKey = (mq: MessageQueue) =>
  `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`

/**
 * A hash ring of the consumers, `virtualNodes` points each (Java: `AllocateMessageQueueConsistentHash`, 10 by
 * default): each queue goes to the consumer at or after its hash; when a consumer leaves, only its queues move.
 *
 * @since 0.1.0
 * @category rebalance
 */
export const consistentHash = (virtualNodes = 10): AllocateMessageQueueStrategy => ({
  name: "CONSISTENT_HASH",
  allocate: (currentCID, mqAll, cidAll) => {
    if (!usable(currentCID, mqAll, cidAll)) return []
    const ring = new Map<number, string>()
    for (const cid of cidAll) for (let i = 0; i < virtualNodes; i++) ring.set(md5Hash(`${cid}-${i}`), cid)
    const points = [...ring.keys()].sort((a, b) => a - b)
    const owner = (hash: number) => {
      const low = lowerBound(points.length, (i) => points[i]! < hash)
      return ring.get(points[low === points.length ? 0 : low]!)!
    }
    return mqAll.filter((mq) => owner(md5Hash(queueKey(mq))) === currentCID)
  }
})

/**
 * The queues configured for this consumer, whatever the others do (Java: `AllocateMessageQueueByConfig`).
 *
 * @since 0.1.0
 * @category rebalance
 */
export const byConfig = (queues: ReadonlyArray<MessageQueue>): AllocateMessageQueueStrategy => ({
  name: "CONFIG",
  allocate: () => queues
})

/**
 * Queues of brokers named `room@broker` in the given machine rooms, split in blocks with the remainder dealt one each
 * (Java: `AllocateMessageQueueByMachineRoom`).
 *
 * @since 0.1.0
 * @category rebalance
 */
export const byMachineRoom = (consumeRooms: ReadonlySet<string>): AllocateMessageQueueStrategy => ({
  name: "MACHINE_ROOM",
  allocate: (currentCID, mqAll, cidAll) => {
    if (!usable(currentCID, mqAll, cidAll)) return []
    const index = cidAll.indexOf(currentCID)
    const inRooms = mqAll.filter((mq) => {
      const parts = mq.brokerName.split("@")
      return parts.length === 2 && consumeRooms.has(parts[0]!)
    })
    const mod = Math.floor(inRooms.length / cidAll.length)
    const rem = inRooms.length % cidAll.length
    const result = inRooms.slice(mod * index, mod * index + mod)
    if (rem > index) result.push(inRooms[index + mod * cidAll.length]!)
    return result
  }
})
