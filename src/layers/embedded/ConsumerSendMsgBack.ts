import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import { ConsumerSendMsgBackRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "./BrokerConfig.js"
import type { BrokerState } from "./BrokerState.js"
import { fail, withHeader } from "./BrokerState.js"
import type { MessageToStore, TopicConfig } from "./MessageStore.js"
import type { ScheduleMessage } from "./ScheduleMessageService.js"

/**
 * Messages consumers send back (Java: `SendMessageProcessor.asyncConsumerSendMsgBack`): `consumerSendMsgBack` puts
 * the message onto its group's retry topic with the next delay level, or past its max reconsume times (or with a
 * negative delay level) onto the group's dead-letter topic; `groupTopic` creates those topics.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeConsumerSendMsgBack = (state: BrokerState, scheduleMessage: ScheduleMessage) => {
  const { clock, createTopic, delayLevels, store, topics } = state

  /** Creates a group's retry or dead-letter topic, one queue read and write (Java: `createTopicInSendMessageBackMethod`). */
  const groupTopic = (topicName: string): TopicConfig => {
    const existing = topics.get(topicName)
    if (existing !== undefined) return existing
    const config = {
      topicName,
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: PermName.READ | PermName.WRITE,
      topicSysFlag: 0,
      order: false
    }
    createTopic(config)
    return config
  }

  /**
   * A message the consumer could not consume, back to the broker: onto the group's retry topic with the next delay
   * level, or past its max reconsume times onto the dead-letter topic.
   */
  const consumerSendMsgBack = (request: RemotingCommand) =>
    withHeader(request, ConsumerSendMsgBackRequestHeader, (header) =>
      Effect.suspend(() => {
        const now = clock.unsafeCurrentTimeMillis()
        const original = store.lookMessageByOffset(header.offset)
        if (original === undefined) {
          return fail(request, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`)
        }
        const properties: Record<string, string> = { ...original.properties }
        properties[MessageConst.RETRY_TOPIC] ??= original.topic
        properties[MessageConst.WAIT] = "false"
        let delayLevel = header.delayLevel
        const maxReconsumeTimes = header.maxReconsumeTimes ?? 16
        let topic = `${RETRY_GROUP_TOPIC_PREFIX}${header.group}`
        if (original.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) {
          topic = `${DLQ_GROUP_TOPIC_PREFIX}${header.group}`
          delayLevel = 0
        } else if (delayLevel === 0) {
          delayLevel = 3 + original.reconsumeTimes
        }
        groupTopic(topic)
        properties[MessageConst.DELAY] = String(delayLevel)
        properties[MessageConst.ORIGIN_MESSAGE_ID] ??= original.offsetMsgId
        const message: MessageToStore = {
          topic,
          queueId: 0,
          flag: original.flag,
          properties,
          body: original.body,
          sysFlag: original.sysFlag,
          bornTimestamp: original.bornTimestamp,
          bornHost: original.bornHost,
          reconsumeTimes: original.reconsumeTimes + 1,
          preparedTransactionOffset: 0
        }
        const stored = delayLevel > 0 && delayLevels.length > 0
          ? scheduleMessage(message, delayLevel, undefined, now)
          : Effect.succeed(store.append(message, now))
        return Effect.map(stored, (result) =>
          Either.isLeft(result)
            ? response(request, ResponseCode.SYSTEM_ERROR, { remark: result.left.message })
            : response(request, ResponseCode.SUCCESS))
      }))

  return { consumerSendMsgBack, groupTopic }
}
