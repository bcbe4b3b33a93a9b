import * as Schema from "effect/Schema"

/**
 * One queue of a topic on one broker (Java: `org.apache.rocketmq.common.message.MessageQueue`). Fields in fastjson's
 * (alphabetical) order.
 *
 * @since 0.1.0
 * @category models
 */
export const MessageQueue = Schema.Struct({
  brokerName: Schema.String,
  queueId: Schema.Int,
  topic: Schema.String
}).annotations({ identifier: "MessageQueue" })

/**
 * @since 0.1.0
 * @category models
 */
export type MessageQueue = Schema.Schema.Type<typeof MessageQueue>

/**
 * A stable string key for a queue, for maps and `FiberMap`s: `topic@brokerName#queueId`.
 *
 * @since 0.1.0
 * @category models
 */
export const messageQueueKey = (mq: MessageQueue): string => `${mq.topic}@${mq.brokerName}#${mq.queueId}`

/**
 * Java's ordering of queues (`MessageQueue.compareTo`): by topic, then broker name, then queue id.
 *
 * @since 0.1.0
 * @category models
 */
export const compareMessageQueues = (a: MessageQueue, b: MessageQueue): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ?
    1 :
    a.brokerName < b.brokerName ?
    -1 :
    a.brokerName > b.brokerName ?
    1 :
    a.queueId - b.queueId
