import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
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
import type { BrokerState } from "./BrokerState.js"
import { fail, hostOf, messageToStore } from "./BrokerState.js"
import { makeConsumerSendMsgBack } from "./ConsumerSendMsgBack.js"
import type { AppendResult } from "./MessageStore.js"
import type { ServerConnection } from "./RemotingServer.js"
import { makeScheduleMessageService } from "./ScheduleMessageService.js"
import { makeSendMessageCheck } from "./SendMessageCheck.js"
import { makeTimerMessageService, timerOutMillis } from "./TimerMessageService.js"

const sendHeaderOf = (request: RemotingCommand) =>
  request.code === RequestCode.SEND_MESSAGE
    ? decodeHeader(SendMessageRequestHeaderV1, request.extFields)
    : decodeHeader(SendMessageRequestHeaderV2, request.extFields)

/** The answer to a stored send: the message id(s), the queue and the (first) queue offset. */
const sendResponse = (
  request: RemotingCommand,
  region: string,
  msgId: string,
  queueId: number,
  queueOffset: number,
  transactionId: string | undefined
) =>
  response(request, ResponseCode.SUCCESS, {
    extFields: {
      msgId,
      queueId: String(queueId),
      queueOffset: String(queueOffset),
      MSG_REGION: region,
      TRACE_ON: "true",
      ...(transactionId === undefined ? {} : { transactionId })
    }
  })

/**
 * The `transactionId` of a 5.0 send answer: the unique id of the request's properties (Java 5.x:
 * `SendMessageProcessor` answers `MessageClientIDSetter.getUniqID`); 4.9 answers none.
 */
const transactionIdOf = (state: BrokerState, header: SendMessageRequestHeader): string | undefined =>
  state.options.version === "5.0"
    ? stringToProperties(header.properties ?? "")[MessageConst.UNIQ_KEY]
    : undefined

/**
 * A batch send, after its checks (Java: `SendMessageProcessor.sendBatchMessage`): every message of the batch stored
 * on the one queue, answered with their ids joined by commas and the first one's offset.
 */
const makeSendBatchMessage = (state: BrokerState) => {
  const { options, store } = state
  return (
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
          if (options.version === "5.0") {
            properties[MessageConst.MSG_REGION] = options.region
            properties[MessageConst.TRACE_ON] = "true"
          }
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
        return Effect.succeed(
          sendResponse(request, options.region, ids.join(","), queueId, first, transactionIdOf(state, header))
        )
      }
    })
}

/** The properties of a timer message (Java 5.x: `Message.setDeliverTimeMs`, `setDelayTimeSec`, `setDelayTimeMs`). */
const TIMER_PROPERTIES = [MessageConst.TIMER_DELIVER_MS, MessageConst.TIMER_DELAY_SEC, MessageConst.TIMER_DELAY_MS]

/**
 * The broker's send path (Java: `SendMessageProcessor`): single, batch, delayed and prepared messages, topics created
 * from the default topic, and messages consumers send back for retry or to the dead-letter queue.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeSendMessageProcessor = (state: BrokerState) => {
  const { clock, delayLevels, options, store, transactions } = state
  const msgCheck = makeSendMessageCheck(state)
  const scheduleMessage = makeScheduleMessageService(state)
  const timerMessage = makeTimerMessageService(state)
  const sendBatchMessage = makeSendBatchMessage(state)
  const { consumerSendMsgBack, groupTopic } = makeConsumerSendMsgBack(state, scheduleMessage)

  /** The answer to a stored message (a delayed one answers with its offset in the delay level's queue, as Java). */
  const answerStored = (request: RemotingCommand, queueId: number, transactionId: string | undefined) =>
  (
    stored: Either.Either<AppendResult, ProtocolError>
  ): Effect.Effect<RemotingCommand> =>
    Either.isLeft(stored)
      ? fail(request, ResponseCode.MESSAGE_ILLEGAL, stored.left.message)
      : Effect.succeed(
        sendResponse(
          request,
          options.region,
          stored.right.offsetMsgId,
          queueId,
          stored.right.queueOffset,
          transactionId
        )
      )

  /**
   * A send (Java: `SendMessageProcessor.sendMessage`, or `sendBatchMessage` for a batch): answered at once (an
   * `Effect.succeed`, which the remoting server writes without a fiber) unless the message is delayed.
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
    const checked = msgCheck(request, header, connection)
    if (Either.isLeft(checked)) return Effect.succeed(checked.left)
    const queueId = checked.right
    if (request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch === true) {
      return sendBatchMessage(request, header, queueId, body, connection, now)
    }
    // Java stores the message without WAIT (it saves 9 bytes), with the broker's cluster name. The parsed properties
    // are a fresh object of this request's own, so they are changed in place.
    const sent = stringToProperties(header.properties ?? "")
    const wait = sent[MessageConst.WAIT]
    if (options.version === "5.0") {
      // Java 5.0 keeps WAIT, and stores the region and trace switch with the message.
      sent[MessageConst.MSG_REGION] = options.region
      sent[MessageConst.TRACE_ON] = "true"
    } else if (wait !== undefined) delete sent[MessageConst.WAIT]
    sent[MessageConst.CLUSTER] = options.clusterName
    const message = messageToStore(header, queueId, sent, body, connection)
    const answer = answerStored(
      request,
      queueId,
      options.version === "5.0" ? sent[MessageConst.UNIQ_KEY] : undefined
    )
    if (sent[MessageConst.TRAN_MSG] === "true") return answer(transactions.prepare(message, now))
    const level = Number(sent[MessageConst.DELAY] ?? 0)
    if (level > 0 && delayLevels.length > 0) {
      // Java 5.x (`HookUtils.checkIfTimerMessage`): a delay level wins; the timer properties are dropped.
      if (options.version === "5.0") { for (const name of TIMER_PROPERTIES) delete sent[name] }
      return Effect.flatMap(scheduleMessage(message, level, wait, now), answer)
    }
    if (options.version === "5.0") {
      const out = timerOutMillis(sent, now)
      if (Either.isLeft(out)) return fail(request, ResponseCode.MESSAGE_ILLEGAL, out.left)
      if (out.right !== undefined) return Effect.flatMap(timerMessage(message, out.right, wait, now), answer)
    }
    return answer(store.append(message, now))
  }

  return { sendMessage, consumerSendMsgBack, groupTopic }
}
