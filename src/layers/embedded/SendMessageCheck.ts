import * as Either from "effect/Either"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import type { SendMessageRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerState } from "./BrokerState.js"
import type { TopicConfig } from "./MessageStore.js"
import type { ServerConnection } from "./RemotingServer.js"

/**
 * The checks of a send before its message is stored (Java: `AbstractSendMessageProcessor.msgCheck`): the topic
 * exists (or is created from the default topic), is writable, and the queue is one of its own. Gives the queue to
 * store into (a random writable one when the producer chose none), or the answer that refuses the send.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeSendMessageCheck = (state: BrokerState) => {
  const { createTopic, topics } = state

  /** The topic to send to, created from the default topic when allowed (Java: `createTopicInSendMessageMethod`). */
  const topicForSend = (header: SendMessageRequestHeader): TopicConfig | undefined => {
    const existing = topics.get(header.topic)
    if (existing !== undefined) return existing
    const defaultTopic = topics.get(header.defaultTopic)
    if (defaultTopic === undefined || (defaultTopic.perm & PermName.INHERIT) === 0) return undefined
    const queueNums = Math.min(header.defaultTopicQueueNums, defaultTopic.writeQueueNums)
    const config: TopicConfig = {
      topicName: header.topic,
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: defaultTopic.perm & ~PermName.INHERIT,
      topicSysFlag: header.sysFlag & 0,
      order: false
    }
    createTopic(config)
    return config
  }

  const msgCheck = (
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    connection: ServerConnection
  ): Either.Either<number, RemotingCommand> => {
    const topic = topicForSend(header)
    if (topic === undefined) {
      return Either.left(
        response(request, ResponseCode.TOPIC_NOT_EXIST, {
          remark:
            `topic[${header.topic}] not exist, apply first please! See http://rocketmq.apache.org/docs/faq/ for further details.`
        })
      )
    }
    if ((topic.perm & PermName.WRITE) === 0) {
      return Either.left(
        response(request, ResponseCode.NO_PERMISSION, {
          remark: `the topic[${header.topic}] sending message is forbidden`
        })
      )
    }
    const queueId = header.queueId < 0 ? Math.floor(Math.random() * topic.writeQueueNums) : header.queueId
    if (queueId >= Math.max(topic.readQueueNums, topic.writeQueueNums)) {
      return Either.left(
        response(request, ResponseCode.SYSTEM_ERROR, {
          remark: `request queueId[${queueId}] is illegal, ${
            JSON.stringify(topic)
          } Producer: ${connection.remoteAddress}`
        })
      )
    }
    return Either.right(queueId)
  }

  return msgCheck
}
