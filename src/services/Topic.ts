import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { RESERVED_PROPERTY_NAMES } from "../protocol/MessageConst.js"
import { type MessageExt, messageKeys, messageTags } from "../protocol/MessageDecoder.js"
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from "../protocol/MessageProperties.js"
import { BodyCodec } from "./BodyCodec.js"
import type { Message } from "./Message.js"
import type { ConsumeContext, ConsumeResult } from "./PushConsumer.js"
import { MessageDecodeError, MessageEncodeError, type MessagePart } from "./TopicErrors.js"

export { MessageDecodeError, MessageEncodeError, type MessagePart } from "./TopicErrors.js"

export {
  /**
   * The body codecs given: `json` (the default), `utf8` and `bytes`.
   *
   * @since 0.1.0
   * @category codecs
   */
  BodyCodec
} from "./BodyCodec.js"

/**
 * A message's user properties: its properties but the system's (`RESERVED_PROPERTY_NAMES`: KEYS, TAGS, UNIQ_KEY,
 * ...).
 *
 * @since 0.1.0
 * @category models
 */
export type UserProperties = Readonly<Record<string, string>>

const anyUserProperties: Schema.Schema<UserProperties> = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A RocketMQ topic tied to the schema of its messages' bodies, and of their tags, keys and user properties (each a
 * plain string, or string map, unless a schema is given). See `make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Topic<A, T = string, K = string, P = UserProperties> {
  readonly _tag: "Topic"
  readonly name: string
  /** The body: the value's schema composed with the body codec. */
  readonly body: Schema.Schema<A, Uint8Array>
  readonly tags: Schema.Schema<T, string>
  /** One key (a message has several, none empty, none with a space: Java joins them with spaces). */
  readonly keys: Schema.Schema<K, string>
  readonly properties: Schema.Schema<P, UserProperties>
}

/**
 * Options of `make`: the body codec (JSON by default) and schemas for tags, keys and user properties.
 *
 * @since 0.1.0
 * @category models
 */
export interface TopicOptions<
  C = unknown,
  T = string,
  TI extends string = string,
  K = string,
  KI extends string = string,
  P = UserProperties,
  PI extends UserProperties = UserProperties
> {
  readonly codec?: BodyCodec<C> | undefined
  readonly tags?: Schema.Schema<T, TI> | undefined
  readonly keys?: Schema.Schema<K, KI> | undefined
  readonly properties?: Schema.Schema<P, PI> | undefined
}

/**
 * A topic tied to an Effect `Schema` for its messages' bodies: the producer's `send(topic, value)` encodes with it,
 * a typed subscription (`subscribe`) and `decode` decode with it. The body is JSON unless `codec` says otherwise;
 * the schema's encoded side must be what the codec gives (any JSON value for `json`, a string for `utf8`, a
 * `Uint8Array` for `bytes`).
 *
 * @example
 * const Orders = Topic.make("Orders", Schema.Struct({ id: Schema.String, total: Schema.Number }), {
 *   tags: Schema.Literal("created", "cancelled")
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  A,
  I extends C,
  C = unknown,
  T = string,
  TI extends string = string,
  K = string,
  KI extends string = string,
  P = UserProperties,
  PI extends UserProperties = UserProperties
>(
  name: string,
  schema: Schema.Schema<A, I>,
  options?: TopicOptions<C, T, TI, K, KI, P, PI>
): Topic<A, T, K, P> => ({
  _tag: "Topic",
  name,
  body: Schema.compose(options?.codec ?? (BodyCodec.json as BodyCodec<C>), schema, { strict: false }),
  // Their encoded sides are narrower than a string (a string map): read as such, what does not fit fails to decode.
  tags: (options?.tags ?? Schema.String) as unknown as Schema.Schema<T, string>,
  keys: (options?.keys ?? Schema.String) as unknown as Schema.Schema<K, string>,
  properties: (options?.properties ?? anyUserProperties) as unknown as Schema.Schema<P, UserProperties>
})

/**
 * Whether a value is a topic made by `make`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTopic = (u: unknown): u is Topic<unknown, unknown, unknown, unknown> =>
  typeof u === "object" && u !== null && (u as { readonly _tag?: unknown })._tag === "Topic"

/**
 * What a typed message carries besides its body: tags, keys and user properties as the topic's schemas type them,
 * with the flag and delay level of a `Message`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageFields<T = string, K = string, P = UserProperties> {
  readonly tags?: T | undefined
  readonly keys?: ReadonlyArray<K> | undefined
  readonly properties?: P | undefined
  readonly flag?: number | undefined
  /** Java: `setDelayTimeLevel`; 0 or absent is no delay. */
  readonly delayTimeLevel?: number | undefined
}

/**
 * A received message decoded: its value, tags, keys and user properties as the topic types them, and the message as
 * it came.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoded<A, T = string, K = string, P = UserProperties> {
  readonly value: A
  readonly tags: T | undefined
  readonly keys: ReadonlyArray<K>
  readonly properties: P
  readonly message: MessageExt
}

const reason = (error: ParseResult.ParseError) => error.message

/** A string a message property cannot hold (Java's separators inside a name or value break the property list). */
const badPropertyText = (text: string) => text.includes(NAME_VALUE_SEPARATOR) || text.includes(PROPERTY_SEPARATOR)

/** The encoded key or tag, unless it cannot travel. */
const checkToken = (kind: string, text: string): Either.Either<string, string> =>
  text.length === 0
    ? Either.left(`a ${kind} encodes to the empty string`)
    : kind === "key" && text.includes(" ")
    ? Either.left(`the key ${JSON.stringify(text)} contains a space (keys travel joined by spaces)`)
    : badPropertyText(text)
    ? Either.left(`the ${kind} ${JSON.stringify(text)} contains a property separator (\\u0001 or \\u0002)`)
    : Either.right(text)

/**
 * Encodes a value and its fields into the message to send (the body with the topic's codec): what the producer's
 * `send(topic, value, options)` sends. A part that does not encode is a `MessageEncodeError` naming it.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  value: NoInfer<A>,
  fields?: MessageFields<NoInfer<T>, NoInfer<K>, NoInfer<P>>
): Either.Either<Message, MessageEncodeError> => {
  const fail = (part: MessagePart, why: string) =>
    Either.left(new MessageEncodeError({ topic: topic.name, part, reason: why }))
  const body = Schema.encodeEither(topic.body)(value)
  if (Either.isLeft(body)) return fail("body", reason(body.left))
  let tags: string | undefined
  if (fields?.tags !== undefined) {
    const encoded = Either.flatMap(
      Either.mapLeft(Schema.encodeEither(topic.tags)(fields.tags), reason),
      (text) => checkToken("tag", text)
    )
    if (Either.isLeft(encoded)) return fail("tags", encoded.left)
    tags = encoded.right
  }
  const keys: Array<string> = []
  for (const key of fields?.keys ?? []) {
    const encoded = Either.flatMap(
      Either.mapLeft(Schema.encodeEither(topic.keys)(key), reason),
      (text) => checkToken("key", text)
    )
    if (Either.isLeft(encoded)) return fail("keys", encoded.left)
    keys.push(encoded.right)
  }
  let properties: UserProperties | undefined
  if (fields?.properties !== undefined) {
    const encoded = Schema.encodeEither(topic.properties)(fields.properties)
    if (Either.isLeft(encoded)) return fail("properties", reason(encoded.left))
    // Java's `putUserProperty` refuses a blank name or value (and a blank value would not travel).
    const bad = Object.entries(encoded.right).find(([name, text]) =>
      name.trim().length === 0 || text.trim().length === 0 || badPropertyText(name) || badPropertyText(text)
    )
    if (bad !== undefined) {
      return fail(
        "properties",
        `the property ${JSON.stringify(bad[0])} has a blank name or value, or a property separator`
      )
    }
    properties = encoded.right
  }
  return Either.right({
    topic: topic.name,
    body: body.right,
    tags,
    keys: keys.length > 0 ? keys : undefined,
    properties,
    flag: fields?.flag,
    delayTimeLevel: fields?.delayTimeLevel
  })
}

/** The user properties of a received message: every property but the system's. */
const userProperties = (message: MessageExt): UserProperties => {
  const out: Record<string, string> = {}
  for (const [name, text] of Object.entries(message.properties)) {
    if (!RESERVED_PROPERTY_NAMES.has(name)) out[name] = text
  }
  return out
}

/**
 * Decodes a received message with its topic's schemas, as `decode` does, into an `Either`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeEither = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  message: MessageExt
): Either.Either<Decoded<A, T, K, P>, MessageDecodeError> => {
  const fail = (part: MessagePart, error: ParseResult.ParseError) =>
    Either.left(new MessageDecodeError({ topic: topic.name, part, reason: reason(error), raw: message }))
  const value = Schema.decodeEither(topic.body)(message.body)
  if (Either.isLeft(value)) return fail("body", value.left)
  const tagText = messageTags(message)
  let tags: T | undefined
  if (tagText !== undefined && tagText.length > 0) {
    const decoded = Schema.decodeEither(topic.tags)(tagText)
    if (Either.isLeft(decoded)) return fail("tags", decoded.left)
    tags = decoded.right
  }
  const keys: Array<K> = []
  for (const key of messageKeys(message)) {
    const decoded = Schema.decodeEither(topic.keys)(key)
    if (Either.isLeft(decoded)) return fail("keys", decoded.left)
    keys.push(decoded.right)
  }
  const properties = Schema.decodeEither(topic.properties)(userProperties(message))
  if (Either.isLeft(properties)) return fail("properties", properties.left)
  return Either.right({ value: value.right, tags, keys, properties: properties.right, message })
}

/**
 * Decodes a received message (a push consumer's, a pull's, a reply's) with its topic's schemas: the body with the
 * topic's codec and schema, the tags, each key and the user properties. A part that does not decode is a
 * `MessageDecodeError` carrying the message as it came.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode: {
  <A, T, K, P>(
    topic: Topic<A, T, K, P>
  ): (message: MessageExt) => Effect.Effect<Decoded<A, T, K, P>, MessageDecodeError>
  <A, T, K, P>(topic: Topic<A, T, K, P>, message: MessageExt): Effect.Effect<Decoded<A, T, K, P>, MessageDecodeError>
} = (<A, T, K, P>(topic: Topic<A, T, K, P>, ...message: [] | [MessageExt]) =>
  message.length === 0
    ? (received: MessageExt) => Effect.suspend(() => decodeEither(topic, received))
    : Effect.suspend(() => decodeEither(topic, message[0]))) as typeof decode

/**
 * Decodes a batch of received messages with their topic's schemas, as `decodeEither` does each: those that decoded
 * and those that did not, each in the batch's order.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeAll = <A, T, K, P>(
  topic: Topic<A, T, K, P>,
  messages: ReadonlyArray<MessageExt>
): {
  readonly decoded: ReadonlyArray<Decoded<A, T, K, P>>
  readonly undecodable: ReadonlyArray<MessageDecodeError>
} => {
  const decoded: Array<Decoded<A, T, K, P>> = []
  const undecodable: Array<MessageDecodeError> = []
  for (const message of messages) {
    const result = decodeEither(topic, message)
    if (Either.isLeft(result)) undecodable.push(result.left)
    else decoded.push(result.right)
  }
  return { decoded, undecodable }
}

/**
 * What a push consumer does with a message whose body (or tags, keys, properties) its topic's schemas do not decode:
 *
 * - `"retry"`: the message alone is sent back to the group's retry topic, as for a handler answering
 *   RECONSUME_LATER: redelivered after a delay growing with its reconsume times, moved to the DLQ by the broker past
 *   `maxReconsumeTimes` (for a schema that changes under a running consumer, or a producer fixed later). The batch's
 *   other messages go to the handler. Orderly: the whole batch is consumed again later, in place, the queue waiting.
 * - `"dead-letter"`: the message goes to the group's dead-letter topic `%DLQ%group` at once (sent back with delay
 *   level -1, Java's `ConsumeConcurrentlyContext.delayLevelWhenNextConsume = -1`, which the broker's
 *   `consumerSendMsgBack` moves straight to the DLQ); the batch's other messages go to the handler. Broadcasting has
 *   no DLQ: the message is dropped with a warning, as Java drops failed broadcast messages.
 * - `"fail"`: the batch fails with the `MessageDecodeError`, its handler not called: the consumer treats it as a failed
 *   handler (a warning carrying the error and the message; the batch consumed again later), and
 *   `PushConsumer.typedStream` fails the stream with it.
 *
 * @since 0.1.0
 * @category consumer
 */
export type DecodeErrorPolicy = "retry" | "dead-letter" | "fail"

/**
 * A batch of one topic's messages decoded by a typed subscription: those that did not decode, and the handler run
 * on those that did (CONSUME_SUCCESS without calling the handler when none did).
 *
 * @since 0.1.0
 * @category consumer
 */
export interface DecodedBatch<E, R> {
  readonly undecodable: ReadonlyArray<MessageDecodeError>
  readonly handle: Effect.Effect<ConsumeResult, E, R>
}

/**
 * A subscription to a typed topic with its handler and its decode-error policy (made by `Topic.subscribe`); a push
 * consumer given typed subscriptions decodes every message before its handler sees it.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface TypedSubscription<E = unknown, R = never> {
  readonly topic: string
  /** A tag expression (`*`, `TagA || TagB`) or, with `type: "SQL92"`, an SQL92 expression for the broker. */
  readonly expression?: string | undefined
  readonly type?: "TAG" | "SQL92" | undefined
  readonly onDecodeError: DecodeErrorPolicy
  /** Decodes a batch of the topic's messages and makes the handler's run on those that decoded. */
  readonly decodeBatch: (messages: ReadonlyArray<MessageExt>, context: ConsumeContext) => DecodedBatch<E, R>
}

/**
 * Consumes a batch of decoded messages of a typed topic (a `MessageHandler` whose messages are decoded).
 *
 * @since 0.1.0
 * @category consumer
 */
export type TypedMessageHandler<A, T, K, P, E = unknown, R = never> = (
  messages: ReadonlyArray<Decoded<A, T, K, P>>,
  context: ConsumeContext
) => Effect.Effect<ConsumeResult, E, R>

/**
 * Subscribes a push consumer to a typed topic: its messages are decoded with the topic's schemas before `handler`
 * sees them (`{ value, tags, keys, properties, message }`), and one that does not decode is dealt with as
 * `onDecodeError` says (no default: the choice is the subscriber's, see `DecodeErrorPolicy`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const subscribe = <A, T, K, P, E = never, R = never>(
  topic: Topic<A, T, K, P>,
  options: {
    readonly expression?: string | undefined
    readonly type?: "TAG" | "SQL92" | undefined
    readonly onDecodeError: DecodeErrorPolicy
    readonly handler: TypedMessageHandler<NoInfer<A>, NoInfer<T>, NoInfer<K>, NoInfer<P>, E, R>
  }
): TypedSubscription<E, R> => ({
  topic: topic.name,
  expression: options.expression,
  type: options.type,
  onDecodeError: options.onDecodeError,
  decodeBatch: (messages, context) => {
    const { decoded, undecodable } = decodeAll(topic, messages)
    return {
      undecodable,
      handle: decoded.length === 0 ? Effect.succeed("CONSUME_SUCCESS") : options.handler(decoded, context)
    }
  }
})
