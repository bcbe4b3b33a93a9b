// The errors of typed topics (`Topic`), which re-exports them: a value its schemas cannot encode, a received message
// they cannot decode.
import * as Data from "effect/Data"
import type { MessageExt } from "../protocol/MessageDecoder.js"

/**
 * The part of a message that did not encode or decode.
 *
 * @since 0.1.0
 * @category errors
 */
export type MessagePart = "body" | "tags" | "keys" | "properties"

/**
 * A value that its topic's schemas cannot encode: nothing is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class MessageEncodeError extends Data.TaggedError("MessageEncodeError")<{
  readonly topic: string
  readonly part: MessagePart
  readonly reason: string
}> {
  override get message(): string {
    return `cannot encode the ${this.part} of a message to ${this.topic}: ${this.reason}`
  }
}

/**
 * A received message that its topic's schemas do not decode, with the message as it came (`raw`).
 *
 * @since 0.1.0
 * @category errors
 */
export class MessageDecodeError extends Data.TaggedError("MessageDecodeError")<{
  readonly topic: string
  readonly part: MessagePart
  readonly reason: string
  readonly raw: MessageExt
}> {
  override get message(): string {
    return `cannot decode the ${this.part} of message ${this.raw.msgId} of ${this.topic}: ${this.reason}`
  }
}
