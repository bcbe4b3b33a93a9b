import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { MessageConst } from "../protocol/MessageConst.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { Message } from "./Message.js"

/**
 * The value of MSG_TYPE on a reply message (Java: `MixAll.REPLY_MESSAGE_FLAG`); a producer sends such a message with
 * SEND_REPLY_MESSAGE_V2.
 *
 * @since 0.1.0
 * @category constants
 */
export const REPLY_MESSAGE_FLAG = "reply"

/**
 * The reply topic of a cluster, `{cluster}_REPLY_TOPIC`, which every broker creates at start (Java:
 * `MixAll.getReplyTopic`).
 *
 * @since 0.1.0
 * @category constants
 */
export const replyTopic = (clusterName: string): string => `${clusterName}_REPLY_TOPIC`

/**
 * A reply cannot be made for this message: it did not come from a broker as a request (its CLUSTER property, which
 * the broker adds, is missing) (Java: CREATE_REPLY_MESSAGE_EXCEPTION).
 *
 * @since 0.1.0
 * @category errors
 */
export class ReplyMessageError extends Data.TaggedError("ReplyMessageError")<{ readonly reason: string }> {
  override get message(): string {
    return `create reply message fail, ${this.reason}`
  }
}

/**
 * The reply to a request message received by a consumer (Java: `MessageUtil.createReplyMessage`): to the reply topic
 * of the request's cluster, with the request's CORRELATION_ID, REPLY_TO_CLIENT and TTL and MSG_TYPE=reply. Send it
 * with any producer: the broker pushes it to the requesting client.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createReplyMessage = (
  request: Pick<MessageExt, "properties">,
  body: Uint8Array
): Either.Either<Message, ReplyMessageError> => {
  const { properties } = request
  const cluster = properties[MessageConst.CLUSTER]
  if (cluster === undefined) {
    return Either.left(
      new ReplyMessageError({ reason: `requestMessage error, property[${MessageConst.CLUSTER}] is null.` })
    )
  }
  const systemProperties: Record<string, string> = { [MessageConst.MSG_TYPE]: REPLY_MESSAGE_FLAG }
  for (const name of [MessageConst.CORRELATION_ID, MessageConst.REPLY_TO_CLIENT, MessageConst.TTL]) {
    const value = properties[name]
    if (value !== undefined) systemProperties[name] = value
  }
  return Either.right({ topic: replyTopic(cluster), body, systemProperties })
}

/**
 * Request-reply helpers for the replying side (Java: `MessageUtil`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Reply = { createReplyMessage, replyTopic, REPLY_MESSAGE_FLAG } as const
