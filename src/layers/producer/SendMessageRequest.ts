import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { compressBody } from "../../protocol/Compression.js"
import { encodeHeader } from "../../protocol/headers/CommandHeader.js"
import { SendMessageRequestHeaderV2 } from "../../protocol/headers/SendHeaders.js"
import { encodeBatch } from "../../protocol/MessageBatch.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { propertiesToString } from "../../protocol/MessageProperties.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { MessageSysFlag } from "../../protocol/MessageSysFlag.js"
import { type RemotingCommand, request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { type Message, messageProperties, MessageValidationError } from "../../services/Message.js"
import { REPLY_MESSAGE_FLAG } from "../../services/Reply.js"
import type { ProducerSettings } from "./ProducerSettings.js"

/**
 * The request of a send to one queue, built for each try (its queue and born timestamp are the try's).
 *
 * @since 0.1.0
 * @category producer
 */
export type BuildRequest = (queue: MessageQueue, brokerName?: string) => RemotingCommand

/**
 * The header of a send to one queue (SEND_MESSAGE_V2 or SEND_BATCH_MESSAGE, Java's `sendSmartMsg`). Its fields
 * are all valid by construction, so a failure to encode them is a defect: it throws, and the Effect running the
 * build dies.
 */
const headerFor = (
  settings: ProducerSettings,
  clock: Clock.Clock,
  topic: string,
  queue: MessageQueue,
  sysFlag: number,
  flag: number,
  properties: string,
  batch: boolean,
  brokerName: string
) =>
  Either.getOrThrow(encodeHeader(SendMessageRequestHeaderV2, {
    producerGroup: settings.group,
    topic,
    defaultTopic: settings.createTopicKey,
    defaultTopicQueueNums: settings.defaultTopicQueueNums,
    queueId: queue.queueId,
    sysFlag,
    bornTimestamp: clock.unsafeCurrentTimeMillis(),
    flag,
    properties,
    reconsumeTimes: 0,
    unitMode: false,
    batch,
    brokerName
  }))

/**
 * The request for one message to one queue (Java: `sendKernelImpl`), its body compressed with zlib over the
 * threshold; a half message of a transaction carries TRAN_MSG, PGROUP and the prepared sys flag; a reply
 * (MSG_TYPE=reply) goes as SEND_REPLY_MESSAGE_V2.
 *
 * @since 0.1.0
 * @category producer
 */
export const messageRequest = (
  settings: ProducerSettings,
  clock: Clock.Clock,
  message: Message,
  uniqueId: string,
  oneway: boolean,
  prepared = false
): BuildRequest =>
(queue, brokerName = queue.brokerName) => {
  let body = message.body
  let sysFlag = prepared ? MessageSysFlag.TRANSACTION_PREPARED_TYPE : 0
  if (body.length > settings.compressMsgBodyOverHowmuch) {
    body = compressBody("ZLIB", body, 5)
    sysFlag |= MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZLIB_TYPE
  }
  // A new record each time: set in place (an object spread of it cost ~0.6 µs a send: bench/produce).
  const all = messageProperties(message)
  all[MessageConst.UNIQ_KEY] = uniqueId
  if (prepared) {
    all[MessageConst.TRAN_MSG] = "true"
    all[MessageConst.PGROUP] = settings.group
  }
  const properties = propertiesToString(all)
  // Java (`MQClientAPIImpl.sendMessage`): a reply goes as SEND_REPLY_MESSAGE_V2, with the same header.
  return request(
    all[MessageConst.MSG_TYPE] === REPLY_MESSAGE_FLAG ? RequestCode.SEND_REPLY_MESSAGE_V2 : RequestCode.SEND_MESSAGE_V2,
    headerFor(settings, clock, message.topic, queue, sysFlag, message.flag ?? 0, properties, false, brokerName),
    { body, oneway }
  )
}

/**
 * The body of a batch (Java: `DefaultMQProducer.batch`, `MessageBatch.encode`): the messages, each with its unique
 * id, refused when it is over the producer's `maxMessageSize`.
 *
 * @since 0.1.0
 * @category producer
 */
export const batchBody = (
  messages: ReadonlyArray<Message>,
  uniqueIds: ReadonlyArray<string>,
  maxMessageSize: number
): Effect.Effect<Uint8Array, MessageValidationError> =>
  Effect.gen(function*() {
    const body = yield* Effect.orDie(encodeBatch(messages.map((m, i) => {
      const properties = messageProperties(m)
      properties[MessageConst.UNIQ_KEY] = uniqueIds[i]!
      return { flag: m.flag ?? 0, body: m.body, properties }
    })))
    if (body.length > maxMessageSize) {
      return yield* new MessageValidationError({
        reason: `the message body size over max value, MAX: ${maxMessageSize}`
      })
    }
    return body
  })

/**
 * The request for a batch to one queue (SEND_BATCH_MESSAGE).
 *
 * @since 0.1.0
 * @category producer
 */
export const batchRequest = (
  settings: ProducerSettings,
  clock: Clock.Clock,
  topic: string,
  body: Uint8Array
): BuildRequest =>
(queue, brokerName = queue.brokerName) =>
  request(
    RequestCode.SEND_BATCH_MESSAGE,
    headerFor(
      settings,
      clock,
      topic,
      queue,
      0,
      0,
      propertiesToString({ [MessageConst.WAIT]: "true" }),
      true,
      brokerName
    ),
    { body }
  )
