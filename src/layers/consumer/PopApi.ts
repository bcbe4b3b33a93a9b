import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { QueryAssignmentRequestBody, QueryAssignmentResponseBody } from "../../protocol/bodies/AssignmentBodies.js"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  formatPopHandle,
  parsePopHandle,
  parsePopOffsetInfo,
  popQueueKey,
  popRetryTopic
} from "../../protocol/ExtraInfo.js"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  AckMessageRequestHeader,
  ChangeInvisibleTimeRequestHeader,
  ChangeInvisibleTimeResponseHeader,
  PopMessageRequestHeader,
  PopMessageResponseHeader
} from "../../protocol/headers/PopHeaders.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { decodeMessages, type MessageExt } from "../../protocol/MessageDecoder.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { ProtocolError } from "../../protocol/ProtocolError.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerCalls } from "./BrokerCalls.js"
import { setOwnProperty } from "./ConsumerContext.js"

/**
 * What a pop found (Java: `PopStatus`): POLLING_NOT_FOUND stands for POLLING_TIMEOUT and PULL_NOT_FOUND answers.
 *
 * @since 0.1.0
 * @category consumer
 */
export type PopStatus = "FOUND" | "NO_NEW_MSG" | "POLLING_FULL" | "POLLING_NOT_FOUND"

/**
 * The answer to a POP_MESSAGE (Java: `PopResult`): each message carries its `POP_CK` handle and `1ST_POP_TIME`.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface PopResult {
  readonly status: PopStatus
  readonly messages: ReadonlyArray<MessageExt>
  readonly restNum: number
}

const popStatusOf = (code: number): PopStatus | undefined => {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "FOUND"
    case ResponseCode.POLLING_FULL:
      return "POLLING_FULL"
    case ResponseCode.POLLING_TIMEOUT:
    case ResponseCode.PULL_NOT_FOUND:
      return "POLLING_NOT_FOUND"
    default:
      return undefined
  }
}

/**
 * The `POP_CK` handles of the messages of a POP_MESSAGE answer, in order (Java: `MQClientAPIImpl.processPopResponse`):
 * each message's checkpoint is its queue's start offset, the answer's pop time, invisible time and revive queue, and
 * its queue offset as `msgOffsetInfo` lists it (the i-th message of a queue, the i-th offset).
 *
 * @since 0.1.0
 * @category consumer
 */
export const popHandles = (
  header: typeof PopMessageResponseHeader.Type,
  brokerName: string,
  messages: ReadonlyArray<MessageExt>
): Either.Either<ReadonlyArray<string>, ProtocolError> =>
  Either.gen(function*() {
    const starts = yield* parsePopOffsetInfo(header.startOffsetInfo)
    const offsets = yield* parsePopOffsetInfo(header.msgOffsetInfo)
    const seen = new Map<string, number>()
    return messages.map((m) => {
      const key = popQueueKey(m.topic, m.queueId)
      const index = seen.get(key) ?? 0
      seen.set(key, index + 1)
      return formatPopHandle({
        startOffset: starts.get(key)?.[0] ?? m.queueOffset,
        popTime: header.popTime,
        invisibleTime: header.invisibleTime,
        reviveQid: header.reviveQid,
        retry: key.startsWith("1"),
        brokerName,
        queueId: m.queueId,
        queueOffset: offsets.get(key)?.[index] ?? m.queueOffset
      })
    })
  })

/**
 * The pop-consumption calls of a consumer (Java 5.x: `MQClientAPIImpl.popMessageAsync`, `ackMessageAsync`,
 * `changeInvisibleTimeAsync`, `queryAssignment`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const makePopApi = (calls: BrokerCalls) => {
  const { brokerError, call, callOk, headerOrDie, masterOf } = calls

  /**
   * POP_MESSAGE to the queue's master (queue id -1: every queue of that broker); the messages come back with their
   * handles and the topic asked for (a message of the pop retry topic shows its original topic).
   */
  const pop = (
    queue: MessageQueue,
    header: Omit<typeof PopMessageRequestHeader.Type, "topic" | "queueId" | "bname" | "bornTime">,
    born: number,
    callTimeout: Duration.Duration
  ) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(PopMessageRequestHeader, {
        ...header,
        topic: queue.topic,
        queueId: queue.queueId,
        bornTime: born,
        bname: queue.brokerName
      })
      const answer = yield* call("pop", address, request(RequestCode.POP_MESSAGE, extFields), callTimeout)
      const status = popStatusOf(answer.code)
      if (status === undefined) return yield* brokerError(address, RequestCode.POP_MESSAGE, answer)
      if (status !== "FOUND") return { status, messages: [], restNum: 0 } satisfies PopResult
      const fields = yield* Effect.mapError(
        decodeHeader(PopMessageResponseHeader, answer.extFields),
        () => brokerError(address, RequestCode.POP_MESSAGE, answer)
      )
      const decoded = answer.body === undefined ? [] : yield* decodeMessages(answer.body)
      const handles = yield* popHandles(fields, queue.brokerName, decoded)
      // Set on each message's own map, which this pop has just decoded and nothing else holds (as `prepareMessage`
      // does for a pull); a message whose topic changes (the pop retry topic's) is a new object sharing that map.
      const popTime = String(fields.popTime)
      const messages = decoded.map((m, i) => {
        setOwnProperty(m, MessageConst.POP_CK, handles[i]!)
        if (m.properties[MessageConst.FIRST_POP_TIME] === undefined) {
          setOwnProperty(m, MessageConst.FIRST_POP_TIME, popTime)
        }
        return m.topic === queue.topic ? m : { ...m, topic: queue.topic }
      })
      return { status, messages, restNum: fields.restNum } satisfies PopResult
    })

  /**
   * Where a popped message's ack or change of invisible time goes, and the fields both carry (Java: `ackAsync`,
   * `changePopInvisibleTimeAsync`): its broker's master; the queue and offset its handle names, on the pop retry topic
   * for a retried message.
   */
  const target = (group: string, topic: string, message: MessageExt) =>
    Effect.gen(function*() {
      const handleText = message.properties[MessageConst.POP_CK]
      const handle = yield* handleText === undefined
        ? Effect.fail(new ProtocolError({ reason: "the message has no POP_CK handle", offset: 0 }))
        : parsePopHandle(handleText)
      const address = yield* masterOf({ topic, brokerName: handle.brokerName, queueId: handle.queueId })
      const fields = {
        consumerGroup: group,
        topic: handle.retry ? popRetryTopic(group, topic) : topic,
        queueId: handle.queueId,
        extraInfo: handleText!,
        offset: handle.queueOffset,
        bname: handle.brokerName
      }
      return { handle, address, fields }
    })

  /** ACK_MESSAGE: a popped message consumed (Java: `DefaultMQPushConsumerImpl.ackAsync`). */
  const ack = (group: string, topic: string, message: MessageExt) =>
    Effect.gen(function*() {
      const { address, fields } = yield* target(group, topic, message)
      const extFields = yield* headerOrDie(AckMessageRequestHeader, fields)
      yield* callOk("ack", address, request(RequestCode.ACK_MESSAGE, extFields))
    })

  /**
   * CHANGE_MESSAGE_INVISIBLETIME: a popped message to be delivered again after `invisibleMillis` (Java:
   * `changePopInvisibleTimeAsync`); answers the new handle.
   */
  const changeInvisibleTime = (group: string, topic: string, message: MessageExt, invisibleMillis: number) =>
    Effect.gen(function*() {
      const { address, fields, handle } = yield* target(group, topic, message)
      const extFields = yield* headerOrDie(ChangeInvisibleTimeRequestHeader, {
        ...fields,
        invisibleTime: invisibleMillis
      })
      const answer = yield* callOk(
        "changeInvisibleTime",
        address,
        request(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, extFields)
      )
      const renewed = yield* Effect.mapError(
        decodeHeader(ChangeInvisibleTimeResponseHeader, answer.extFields),
        () => brokerError(address, RequestCode.CHANGE_MESSAGE_INVISIBLETIME, answer)
      )
      return formatPopHandle({
        ...handle,
        popTime: renewed.popTime,
        invisibleTime: renewed.invisibleTime,
        reviveQid: renewed.reviveQid
      })
    })

  /** QUERY_ASSIGNMENT to a broker: the queues of a topic this client is to read, and how (Java: `queryAssignment`). */
  const queryAssignment = (address: string, body: QueryAssignmentRequestBody, callTimeout: Duration.Duration) =>
    Effect.gen(function*() {
      const command = request(RequestCode.QUERY_ASSIGNMENT, {}, { body: encodeBody(QueryAssignmentRequestBody, body) })
      const answer = yield* call("queryAssignment", address, command, callTimeout)
      if (answer.code !== ResponseCode.SUCCESS) {
        return yield* brokerError(address, RequestCode.QUERY_ASSIGNMENT, answer)
      }
      return (yield* decodeBody(QueryAssignmentResponseBody, answer.body)).messageQueueAssignments
    })

  return { pop, ack, changeInvisibleTime, queryAssignment }
}

/**
 * The pop-consumption calls.
 *
 * @since 0.1.0
 * @category consumer
 */
export type PopApi = ReturnType<typeof makePopApi>
