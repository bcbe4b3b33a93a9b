// A message as a broker hands it back to a consumer: a sent message's properties and body, through the record codec.
import { Either } from "effect"
import { decodeMessages, encodeMessageRecord, type MessageExt } from "../../src/protocol/MessageDecoder.js"
import { type Message, messageProperties } from "../../src/services/Message.js"

/** The message a consumer would receive for `message` (a new object each time), stored at `queueOffset`. */
export const received = (message: Message, queueOffset = 0): MessageExt => {
  const record = Either.getOrThrow(encodeMessageRecord({
    topic: message.topic,
    flag: message.flag ?? 0,
    properties: messageProperties(message),
    body: message.body,
    queueId: 0,
    queueOffset,
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: { host: "127.0.0.1", port: 1 },
    storeTimestamp: 2,
    storeHost: { host: "127.0.0.1", port: 2 },
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0
  }))
  return Either.getOrThrow(decodeMessages(record))[0]!
}
