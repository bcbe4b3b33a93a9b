import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import type { Message } from "./Message.js"
import { Producer, type RequestError, type RequestOptions } from "./Producer.js"
import { createReplyMessage, type ReplyMessageError } from "./Reply.js"
import {
  decode,
  type Decoded,
  encode,
  type MessageDecodeError,
  type MessageEncodeError,
  type MessageFields,
  type Topic,
  type UserProperties
} from "./Topic.js"

/**
 * Options of a typed request: those of a request, the request message's fields as its topic types them, and the
 * topic whose schema the reply's body is decoded with (replies travel on the cluster's `{cluster}_REPLY_TOPIC`
 * whatever that topic's name: only its codec and schemas are used).
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedRequestOptions<B, T = string, K = string, P = UserProperties, RT = string, RK = string, RP = P>
  extends RequestOptions, MessageFields<T, K, P>
{
  readonly reply: Topic<B, RT, RK, RP>
}

/**
 * Sends a value to a typed topic as a request (Java: `DefaultMQProducer.request`) and decodes the reply with the
 * reply topic's schema: the value is encoded before anything is sent (`MessageEncodeError`), and a reply that does not
 * decode is a `MessageDecodeError` carrying the raw reply.
 *
 * @since 0.1.0
 * @category request-reply
 */
export const request = <A, T, K, P, B, RT, RK, RP>(
  topic: Topic<A, T, K, P>,
  value: NoInfer<A>,
  options: TypedRequestOptions<B, NoInfer<T>, NoInfer<K>, NoInfer<P>, RT, RK, RP>
): Effect.Effect<Decoded<B, RT, RK, RP>, RequestError | MessageEncodeError | MessageDecodeError, Producer> =>
  Effect.gen(function*() {
    const { delayTimeLevel, flag, keys, properties, reply, tags, ...requestOptions } = options
    const message = yield* encode(topic, value, { delayTimeLevel, flag, keys, properties, tags })
    const producer = yield* Producer
    const answer = yield* producer.request(message, requestOptions)
    return yield* decode(reply, answer)
  })

/**
 * The reply to a typed request (Java: `MessageUtil.createReplyMessage`), its body encoded with the reply topic's
 * codec and schema: send it with any producer.
 *
 * @since 0.1.0
 * @category request-reply
 */
export const reply = <B, RT, RK, RP>(
  replyTopic: Topic<B, RT, RK, RP>,
  requestMessage: Pick<MessageExt, "properties">,
  value: NoInfer<B>
): Either.Either<Message, MessageEncodeError | ReplyMessageError> =>
  Either.flatMap(encode(replyTopic, value), (encoded) => createReplyMessage(requestMessage, encoded.body))
