import * as Data from "effect/Data"

/**
 * Bytes that do not follow the RocketMQ remoting protocol: an oversize or malformed frame, a header that is not
 * a header, a message record cut short. `offset` is the byte position where the problem was found (in the
 * stream for the frame splitter, in the buffer being decoded otherwise).
 *
 * Java throws `RemotingCommandException` / `TooLongFrameException` for these.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly reason: string
  readonly offset: number
}> {
  override get message(): string {
    return `${this.reason} (at offset ${this.offset})`
  }
}
