import { Clock, Effect, Either, FiberSet } from "effect"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  ConsumerSendMsgBackRequestHeader,
  SendMessageRequestHeader as SendMessageRequestHeaderV1,
  SendMessageRequestHeaderV2
} from "../../protocol/headers/SendHeaders.js"
import type { SendMessageRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { decodeBatch } from "../../protocol/MessageBatch.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { stringToProperties } from "../../protocol/MessageProperties.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX, SCHEDULE_TOPIC } from "./BrokerConfig.js"
import type { BrokerState } from "./BrokerState.js"
import { fail, hostOf, withHeader } from "./BrokerState.js"
import type { AppendResult, MessageToStore, TopicConfig } from "./MessageStore.js"
import type { ServerConnection } from "./RemotingServer.js"

/**
 * The broker's send path (Java: `SendMessageProcessor`): single, batch, delayed and prepared messages, topics created
 * from the default topic, and messages consumers send back for retry or to the dead-letter queue.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeSendMessageProcessor = (state: BrokerState) => {
  const { background, clock, createTopic, delayLevels, options, store, topics, transactions } = state
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

  const checkSend = (request: RemotingCommand, header: SendMessageRequestHeader, connection: ServerConnection) => {
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

  const sendHeaderOf = (request: RemotingCommand) =>
    request.code === RequestCode.SEND_MESSAGE
      ? decodeHeader(SendMessageRequestHeaderV1, request.extFields)
      : decodeHeader(SendMessageRequestHeaderV2, request.extFields)

  /**
   * Holds a message until its delay level is due, then puts it on its real queue (Java: the delay-level queues of
   * SCHEDULE_TOPIC_XXXX and `ScheduleMessageService`): it arrives with REAL_TOPIC, REAL_QID and WAIT among its
   * properties, as the real broker delivers it.
   */
  const delay = (message: MessageToStore, level: number, wait: string | undefined, now: number) => {
    const index = Math.min(level, delayLevels.length) - 1
    const due: MessageToStore = {
      ...message,
      properties: {
        ...message.properties,
        [MessageConst.REAL_TOPIC]: message.topic,
        [MessageConst.REAL_QID]: String(message.queueId),
        ...(wait === undefined ? {} : { [MessageConst.WAIT]: wait })
      }
    }
    const held = store.append({ ...due, topic: SCHEDULE_TOPIC, queueId: index }, now)
    if (Either.isLeft(held)) return Effect.succeed(held)
    const deliver = Effect.sleep(delayLevels[index]!).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.map((at) => store.append(due, at))
    )
    return Effect.as(FiberSet.run(background, deliver), held)
  }

  const sendResponse = (request: RemotingCommand, msgId: string, queueId: number, queueOffset: number) =>
    response(request, ResponseCode.SUCCESS, {
      extFields: {
        msgId,
        queueId: String(queueId),
        queueOffset: String(queueOffset),
        MSG_REGION: options.region,
        TRACE_ON: "true"
      }
    })

  /** The answer to a stored message (a delayed one answers with its offset in the delay level's queue, as Java). */
  const answerStored = (request: RemotingCommand, queueId: number) =>
  (
    stored: Either.Either<AppendResult, ProtocolError>
  ): Effect.Effect<RemotingCommand> =>
    Either.isLeft(stored)
      ? fail(request, ResponseCode.MESSAGE_ILLEGAL, stored.left.message)
      : Effect.succeed(sendResponse(request, stored.right.offsetMsgId, queueId, stored.right.queueOffset))

  /**
   * A send: answered at once (an `Effect.succeed`, which the remoting server writes without a fiber) unless the
   * message is delayed.
   */
  const sendMessage = (request: RemotingCommand, connection: ServerConnection): Effect.Effect<RemotingCommand> => {
    const decoded = sendHeaderOf(request)
    if (Either.isLeft(decoded)) {
      return fail(request, ResponseCode.SYSTEM_ERROR, `the request header is not valid: ${decoded.left.message}`)
    }
    const header = decoded.right
    const now = clock.unsafeCurrentTimeMillis()
    const body = request.body ?? new Uint8Array(0)
    if (body.length > options.maxMessageSize) {
      return fail(
        request,
        ResponseCode.MESSAGE_ILLEGAL,
        `the message body size over max value, MAX: ${options.maxMessageSize}`
      )
    }
    const checked = checkSend(request, header, connection)
    if (Either.isLeft(checked)) return Effect.succeed(checked.left)
    const queueId = checked.right
    if (request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch === true) {
      return sendBatch(request, header, queueId, body, connection, now)
    }
    // Java stores the message without WAIT (it saves 9 bytes), with the broker's cluster name. The parsed properties
    // are a fresh object of this request's own, so they are changed in place.
    const sent = stringToProperties(header.properties ?? "")
    const wait = sent[MessageConst.WAIT]
    if (wait !== undefined) delete sent[MessageConst.WAIT]
    sent[MessageConst.CLUSTER] = options.clusterName
    const message: MessageToStore = {
      topic: header.topic,
      queueId,
      flag: header.flag,
      properties: sent,
      body,
      sysFlag: header.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost: hostOf(connection),
      reconsumeTimes: header.reconsumeTimes ?? 0,
      preparedTransactionOffset: 0
    }
    const answer = answerStored(request, queueId)
    if (sent[MessageConst.TRAN_MSG] === "true") return answer(transactions.prepare(message, now))
    const level = Number(sent[MessageConst.DELAY] ?? 0)
    if (level > 0 && delayLevels.length > 0) return Effect.flatMap(delay(message, level, wait, now), answer)
    return answer(store.append(message, now))
  }

  const sendBatch = (
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    queueId: number,
    body: Uint8Array,
    connection: ServerConnection,
    now: number
  ) =>
    Either.match(decodeBatch(body), {
      onLeft: (e) => fail(request, ResponseCode.MESSAGE_ILLEGAL, `the batch body is not valid: ${e.message}`),
      onRight: (entries) => {
        const ids: Array<string> = []
        let first = -1
        const batchProperties = stringToProperties(header.properties ?? "")
        for (const entry of entries) {
          // The broker adds its cluster and the batch's own properties (WAIT) to each message's, which are a fresh
          // object of this request's own.
          const properties = entry.properties as Record<string, string>
          properties[MessageConst.CLUSTER] = options.clusterName
          for (const name in batchProperties) properties[name] = batchProperties[name]!
          const stored = store.append(
            {
              topic: header.topic,
              queueId,
              flag: entry.flag,
              properties,
              body: entry.body,
              sysFlag: header.sysFlag,
              bornTimestamp: header.bornTimestamp,
              bornHost: hostOf(connection),
              reconsumeTimes: header.reconsumeTimes ?? 0,
              preparedTransactionOffset: 0
            },
            now
          )
          if (Either.isLeft(stored)) return fail(request, ResponseCode.MESSAGE_ILLEGAL, stored.left.message)
          if (first < 0) first = stored.right.queueOffset
          ids.push(stored.right.offsetMsgId)
        }
        return Effect.succeed(sendResponse(request, ids.join(","), queueId, first))
      }
    })

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
   * A message the consumer could not consume, back to the broker (Java: `SendMessageProcessor.asyncConsumerSendMsgBack`):
   * onto the group's retry topic with the next delay level, or past its max reconsume times onto the dead-letter topic.
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
          ? delay(message, delayLevel, undefined, now)
          : Effect.succeed(store.append(message, now))
        return Effect.map(stored, (result) =>
          Either.isLeft(result)
            ? response(request, ResponseCode.SYSTEM_ERROR, { remark: result.left.message })
            : response(request, ResponseCode.SUCCESS))
      }))

  return { sendMessage, consumerSendMsgBack, groupTopic }
}
