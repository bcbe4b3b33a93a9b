import * as Effect from "effect/Effect"
import { encodeQueueTableBody, KVTable, type TopicOffset } from "../../protocol/bodies/AdminBodies.js"
import { encodeBody } from "../../protocol/bodies/Body.js"
import { DeleteTopicRequestHeader, GetTopicStatsInfoRequestHeader } from "../../protocol/headers/AdminHeaders.js"
import { CreateTopicRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { isSystemTopic } from "../../services/Message.js"
import { brokerVersionOf } from "./BrokerConfig.js"
import { type BrokerState, fail, withHeader } from "./BrokerState.js"

/** Java: `TopicValidator.TOPIC_MAX_LENGTH`. */
const TOPIC_MAX_LENGTH = 127

/**
 * Why the broker refuses to create or delete a topic, as its remark says, or `undefined` (Java:
 * `TopicValidator.validateTopic` and `isSystemTopic`).
 */
const topicRefusal = (topic: string): string | undefined => {
  if (topic.trim().length === 0) return "The specified topic is blank."
  if (!/^[%|a-zA-Z0-9_-]+$/.test(topic)) {
    return "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
  }
  if (topic.length > TOPIC_MAX_LENGTH) return "The specified topic is longer than topic max length."
  if (isSystemTopic(topic)) return `The topic[${topic}] is conflict with system topic.`
  return undefined
}

/**
 * The broker's topic administration (Java: `AdminBrokerProcessor.updateAndCreateTopic`, `deleteTopic`,
 * `getTopicStatsInfo`, `getBrokerRuntimeInfo`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeTopicAdminProcessor = (state: BrokerState) => {
  const { createTopic, options, store, topics } = state

  const updateAndCreateTopic = (request: RemotingCommand) =>
    withHeader(request, CreateTopicRequestHeader, (h) => {
      const refused = topicRefusal(h.topic)
      if (refused !== undefined) return fail(request, ResponseCode.SYSTEM_ERROR, refused)
      createTopic({
        topicName: h.topic,
        readQueueNums: h.readQueueNums,
        writeQueueNums: h.writeQueueNums,
        perm: h.perm,
        topicSysFlag: h.topicSysFlag ?? 0,
        order: h.order
      })
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    })

  const deleteTopic = (request: RemotingCommand) =>
    withHeader(request, DeleteTopicRequestHeader, (h) => {
      const refused = topicRefusal(h.topic)
      if (refused !== undefined) return fail(request, ResponseCode.SYSTEM_ERROR, refused)
      topics.delete(h.topic)
      store.deleteTopic(h.topic)
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    })

  const getTopicStatsInfo = (request: RemotingCommand) =>
    withHeader(request, GetTopicStatsInfoRequestHeader, (h) => {
      const topic = topics.get(h.topic)
      if (topic === undefined) return fail(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`)
      const table: Array<readonly [MessageQueue, TopicOffset]> = []
      for (let queueId = 0; queueId < topic.writeQueueNums; queueId++) {
        const maxOffset = store.maxOffset(h.topic, queueId)
        table.push([{ topic: h.topic, brokerName: options.brokerName, queueId }, {
          minOffset: store.minOffset(h.topic, queueId),
          maxOffset,
          lastUpdateTimestamp: maxOffset > 0 ? store.storeTimestampAt(h.topic, queueId, maxOffset - 1) : 0
        }])
      }
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { body: encodeQueueTableBody({}, table) }))
    })

  /** The runtime statistics the embedded store keeps, under the names Java's broker gives them. */
  const getBrokerRuntimeInfo = (request: RemotingCommand) => {
    const announced = brokerVersionOf(state.options)
    const table = {
      brokerVersion: String(announced.version),
      brokerVersionDesc: announced.desc,
      bootTimestamp: String(state.bootTimestamp),
      commitLogMinOffset: "0",
      commitLogMaxOffset: String(store.commitLogMaxOffset),
      msgPutTotalTodayNow: String(store.messageCount)
    }
    return Effect.succeed(response(request, ResponseCode.SUCCESS, { body: encodeBody(KVTable, { table }) }))
  }

  return { updateAndCreateTopic, deleteTopic, getTopicStatsInfo, getBrokerRuntimeInfo }
}
