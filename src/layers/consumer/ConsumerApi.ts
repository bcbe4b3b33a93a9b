import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  ConsumerListBody,
  LockBatchRequestBody,
  LockBatchResponseBody
} from "../../protocol/bodies/ConsumerGroupBodies.js"
import { decodeHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import { PullMessageRequestHeader, PullMessageResponseHeader } from "../../protocol/headers/ConsumeHeaders.js"
import { ConsumerSendMsgBackRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { decodeMessages, type MessageExt } from "../../protocol/MessageDecoder.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerResponseError } from "../../services/BrokerResponseError.js"
import type { BrokerNotFoundError } from "../../services/PushConsumer.js"
import type { RemotingError } from "../../services/RemotingClient.js"
import type { RouteError } from "../../services/TopicRouteCache.js"
import { type BrokerCallsDeps, makeBrokerCalls } from "./BrokerCalls.js"
import { makeOffsetApi } from "./OffsetApi.js"
import { makePopApi } from "./PopApi.js"

/**
 * What a pull found (Java: `PullStatus`).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PullStatus = "FOUND" | "NO_NEW_MSG" | "NO_MATCHED_MSG" | "OFFSET_ILLEGAL"

/**
 * The answer to a pull (Java: `PullResult`): the messages as decoded (before the client-side tag filter), the next
 * offset to pull from, and the broker the next pull should go to.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface PullResult {
  readonly status: PullStatus
  readonly nextBeginOffset: number
  readonly minOffset: number
  readonly maxOffset: number
  readonly suggestWhichBrokerId: number
  readonly messages: ReadonlyArray<MessageExt>
}

/**
 * Everything a consumer's broker call can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConsumerCallError = RemotingError | BrokerResponseError | BrokerNotFoundError | ProtocolError | RouteError

const pullStatusOf = (code: number): PullStatus | undefined => {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "FOUND"
    case ResponseCode.PULL_NOT_FOUND:
      return "NO_NEW_MSG"
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return "NO_MATCHED_MSG"
    case ResponseCode.PULL_OFFSET_MOVED:
      return "OFFSET_ILLEGAL"
    default:
      return undefined
  }
}

/**
 * The broker calls of a consumer (Java: the consumer half of `MQClientAPIImpl`, with
 * `MQClientInstance.findBrokerAddressInSubscribe`): pulls, offsets, send-back, queue locks and the group's members.
 * With a tracer installed, every call is a span named after what it does, with the broker's address.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeConsumerApi = (deps: BrokerCallsDeps) => {
  const calls = makeBrokerCalls(deps)
  const { brokerError, call, callOk, findBrokerAddress, headerOrDie, masterOf } = calls

  /**
   * PULL_MESSAGE to the broker the last pull suggested (Java: `PullAPIWrapper.pullKernelImpl`). With `litePull`
   * answering true for the broker's address, LITE_PULL_MESSAGE (361) with `maxMsgBytes` instead, as Java 5.x's lite
   * pull consumer sends it (`MQClientAPIImpl.pullMessage`).
   */
  const pull = (
    queue: MessageQueue,
    brokerId: number,
    header: Omit<PullMessageRequestHeader, "topic" | "queueId" | "bname" | "maxMsgBytes">,
    callTimeout: Duration.Duration,
    litePull?: (brokerAddress: string) => Effect.Effect<boolean>
  ): Effect.Effect<PullResult, ConsumerCallError> =>
    Effect.flatMap(findBrokerAddress(queue, brokerId, false), (broker) =>
      litePull === undefined
        ? pullFrom(broker, queue, header, callTimeout, false)
        : Effect.flatMap(litePull(broker.address), (lite) => pullFrom(broker, queue, header, callTimeout, lite)))

  /**
   * The pull sent to the broker found for it, and its answer read: written without `Effect.gen`, the header codecs'
   * answers met as they are (this runs once per pull).
   */
  const pullFrom = (
    broker: { readonly address: string; readonly slave: boolean },
    queue: MessageQueue,
    header: Omit<PullMessageRequestHeader, "topic" | "queueId" | "bname" | "maxMsgBytes">,
    callTimeout: Duration.Duration,
    lite: boolean
  ): Effect.Effect<PullResult, ConsumerCallError> => {
    const code = lite ? RequestCode.LITE_PULL_MESSAGE : RequestCode.PULL_MESSAGE
    // Field by field: an object spread of `header` with the queue's fields cost ~3 µs a pull (bench/consume).
    const extFields = encodeHeader(PullMessageRequestHeader, {
      consumerGroup: header.consumerGroup,
      topic: queue.topic,
      queueId: queue.queueId,
      queueOffset: header.queueOffset,
      maxMsgNums: header.maxMsgNums,
      // Java: a slave does not take commit offsets.
      sysFlag: broker.slave ? header.sysFlag & ~0x1 : header.sysFlag,
      commitOffset: header.commitOffset,
      suspendTimeoutMillis: header.suspendTimeoutMillis,
      subscription: header.subscription,
      subVersion: header.subVersion,
      expressionType: header.expressionType,
      bname: queue.brokerName,
      // Java 5.x's lite pull: `Integer.MAX_VALUE`, no limit.
      maxMsgBytes: lite ? 2_147_483_647 : undefined,
      extra: header.extra
    })
    // A header this client made that does not encode is a defect.
    if (Either.isLeft(extFields)) return Effect.die(extFields.left)
    return Effect.flatMap(
      call("pull", broker.address, request(code, extFields.right), callTimeout),
      (answer): Effect.Effect<PullResult, ConsumerCallError> => {
        const status = pullStatusOf(answer.code)
        if (status === undefined) return Effect.fail(brokerError(broker.address, code, answer))
        const fields = decodeHeader(PullMessageResponseHeader, answer.extFields)
        if (Either.isLeft(fields)) return Effect.fail(brokerError(broker.address, code, answer))
        const messages = status === "FOUND" && answer.body !== undefined
          ? decodeMessages(answer.body)
          : Either.right([])
        if (Either.isLeft(messages)) return Effect.fail(messages.left)
        return Effect.succeed({
          status,
          nextBeginOffset: fields.right.nextBeginOffset,
          minOffset: fields.right.minOffset,
          maxOffset: fields.right.maxOffset,
          suggestWhichBrokerId: fields.right.suggestWhichBrokerId,
          messages: messages.right
        })
      }
    )
  }

  /**
   * CONSUMER_SEND_MSG_BACK (Java: `consumerSendMessageBack`): a message the consumer could not consume goes back to
   * the broker that stored it, onto the group's retry topic, or with a negative delay level straight to its DLQ.
   */
  const sendMessageBack = (
    group: string,
    queue: MessageQueue,
    message: MessageExt,
    delayLevel: number,
    maxReconsumeTimes: number
  ) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(ConsumerSendMsgBackRequestHeader, {
        offset: message.commitLogOffset,
        group,
        delayLevel,
        originMsgId: message.msgId,
        originTopic: message.topic,
        unitMode: false,
        maxReconsumeTimes,
        bname: queue.brokerName
      })
      yield* callOk("sendMessageBack", address, request(RequestCode.CONSUMER_SEND_MSG_BACK, extFields))
    })

  /** GET_CONSUMER_LIST_BY_GROUP to one broker of the topic (Java: `findConsumerIdList`). */
  const consumerIds = (group: string, address: string) =>
    Effect.gen(function*() {
      const answer = yield* callOk(
        "consumerIds",
        address,
        request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group })
      )
      return (yield* decodeBody(ConsumerListBody, answer.body)).consumerIdList
    })

  /** LOCK_BATCH_MQ to a broker's master: answers the queues now locked by this client. */
  const lockBatch = (body: LockBatchRequestBody, brokerQueue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(brokerQueue)
      const answer = yield* callOk(
        "lockBatch",
        address,
        request(RequestCode.LOCK_BATCH_MQ, {}, { body: encodeBody(LockBatchRequestBody, body) })
      )
      return (yield* decodeBody(LockBatchResponseBody, answer.body)).lockOKMQSet
    })

  /** UNLOCK_BATCH_MQ to a broker's master. */
  const unlockBatch = (body: LockBatchRequestBody, brokerQueue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(brokerQueue)
      yield* callOk(
        "unlockBatch",
        address,
        request(RequestCode.UNLOCK_BATCH_MQ, {}, { body: encodeBody(LockBatchRequestBody, body) })
      )
    })

  return {
    findBrokerAddress,
    pull,
    ...makeOffsetApi(calls),
    ...makePopApi(calls),
    sendMessageBack,
    consumerIds,
    lockBatch,
    unlockBatch
  }
}

/**
 * The consumer's broker calls.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumerApi = ReturnType<typeof makeConsumerApi>

type PullMessageRequestHeader = typeof PullMessageRequestHeader.Type
