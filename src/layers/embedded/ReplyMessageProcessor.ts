import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  ReplyMessageRequestHeader,
  type SendMessageRequestHeader,
  SendMessageRequestHeader as SendMessageRequestHeaderV1,
  SendMessageRequestHeaderV2
} from "../../protocol/headers/SendHeaders.js"
import { formatHostAddress } from "../../protocol/HostAddress.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { propertiesToString, stringToProperties } from "../../protocol/MessageProperties.js"
import { type RemotingCommand, request as requestCommand, response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, fail, messageToStore } from "./BrokerState.js"
import type { ServerConnection } from "./RemotingServer.js"
import { makeSendMessageCheck } from "./SendMessageCheck.js"

/** How long the broker waits for the requesting client to take a reply (Java: `Broker2Client.callClient`, 10 s). */
const PUSH_REPLY_TIMEOUT_MILLIS = 10_000

/**
 * The broker's reply path (Java: `ReplyMessageProcessor`): SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325)
 * go through a send's checks, then the reply is pushed with PUSH_REPLY_MESSAGE_TO_CLIENT to the client named by its
 * REPLY_TO_CLIENT property, over the connection that client registered its producers on, and the replier is told
 * whether that worked (SUCCESS, or SYSTEM_ERROR naming why: no REPLY_TO_CLIENT, no such client, the client's refusal
 * or silence). The reply is stored in its topic as well (Java: `storeReplyMessageEnable`, on by default), which gives
 * the answer its message id and offset.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeReplyMessageProcessor = (state: BrokerState) => {
  const { clients, clock, options, store } = state
  const msgCheck = makeSendMessageCheck(state)

  /** Pushes the reply to its requester: undefined when it took it, else why not (Java: `pushReplyMessage`). */
  const pushReply = (
    header: SendMessageRequestHeader,
    properties: Record<string, string>,
    body: Uint8Array,
    connection: ServerConnection
  ): Effect.Effect<string | undefined> => {
    const senderId = properties[MessageConst.REPLY_TO_CLIENT]
    if (senderId === undefined) {
      return Effect.succeed(`reply message properties[${MessageConst.REPLY_TO_CLIENT}] is null`)
    }
    const channel = clients.producerConnection(senderId)
    if (channel === undefined) return Effect.succeed(`push reply message fail, channel of <${senderId}> not found.`)
    const now = clock.unsafeCurrentTimeMillis()
    const push = requestCommand(
      RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
      Either.getOrThrow(encodeHeader(ReplyMessageRequestHeader, {
        producerGroup: header.producerGroup,
        topic: header.topic,
        defaultTopic: header.defaultTopic,
        defaultTopicQueueNums: header.defaultTopicQueueNums,
        queueId: header.queueId,
        sysFlag: header.sysFlag,
        bornTimestamp: header.bornTimestamp,
        flag: header.flag,
        properties: propertiesToString({ ...properties, [MessageConst.PUSH_REPLY_TIME]: String(now) }),
        reconsumeTimes: header.reconsumeTimes,
        unitMode: header.unitMode ?? false,
        bornHost: connection.remoteAddress,
        storeHost: formatHostAddress(store.storeHost),
        storeTimestamp: now
      })),
      { body }
    )
    return channel.invoke(push, PUSH_REPLY_TIMEOUT_MILLIS).pipe(
      Effect.map((answer) =>
        answer.code === ResponseCode.SUCCESS ? undefined : `push reply message to ${senderId}fail.`
      ),
      Effect.catchAll(() => Effect.succeed(`push reply message to ${senderId}fail.`))
    )
  }

  return (request: RemotingCommand, connection: ServerConnection): Effect.Effect<RemotingCommand> => {
    const decoded = request.code === RequestCode.SEND_REPLY_MESSAGE
      ? decodeHeader(SendMessageRequestHeaderV1, request.extFields)
      : decodeHeader(SendMessageRequestHeaderV2, request.extFields)
    if (Either.isLeft(decoded)) {
      return fail(request, ResponseCode.SYSTEM_ERROR, `the request header is not valid: ${decoded.left.message}`)
    }
    const header = decoded.right
    const checked = msgCheck(request, header, connection)
    if (Either.isLeft(checked)) return Effect.succeed(checked.left)
    const queueId = checked.right
    const body = request.body ?? new Uint8Array(0)
    const properties = stringToProperties(header.properties ?? "")
    return Effect.map(pushReply(header, properties, body, connection), (failed) => {
      // Stored as sent (Java keeps the request's properties string), whether or not the push worked.
      const stored = store.append(
        messageToStore(header, queueId, properties, body, connection),
        clock.unsafeCurrentTimeMillis()
      )
      const extFields = { MSG_REGION: options.region, TRACE_ON: "true" }
      if (failed !== undefined) return response(request, ResponseCode.SYSTEM_ERROR, { remark: failed, extFields })
      return response(request, ResponseCode.SUCCESS, {
        extFields: {
          ...extFields,
          msgId: Either.isRight(stored) ? stored.right.offsetMsgId : "0",
          queueId: String(queueId),
          queueOffset: String(Either.isRight(stored) ? stored.right.queueOffset : 0)
        }
      })
    })
  }
}
