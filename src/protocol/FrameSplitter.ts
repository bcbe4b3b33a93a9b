import * as Either from "effect/Either"
import { ProtocolError } from "./ProtocolError.js"
import { DEFAULT_MAX_FRAME_LENGTH } from "./RemotingCommand.js"

/** "HTTP" (the start of an HTTP response) read as a big-endian frame length. */
const HTTP_AS_LENGTH = 0x48545450

/**
 * An incremental splitter of a TCP byte stream into frames (Java: Netty's `LengthFieldBasedFrameDecoder` as set
 * up by `NettyDecoder`: 4-byte length field, stripped). Chunks may end anywhere and may hold many frames; each
 * frame is yielded without its length prefix, ready for `decodeFrame`.
 *
 * A length below 4 or a frame over `maxFrameLength` (prefix included, as Netty counts) is a {@link ProtocolError}
 * giving its offset in the stream. After an error the splitter is spent: every later push returns that error.
 *
 * @since 0.1.0
 * @category decoding
 */
export class FrameSplitter {
  private chunks: Array<Buffer> = []
  /** Where the unread bytes of the first chunk start. */
  private firstAt = 0
  private buffered = 0
  /** Stream offset of the first buffered byte. */
  private offset = 0
  private failure: ProtocolError | undefined

  constructor(readonly maxFrameLength: number = DEFAULT_MAX_FRAME_LENGTH) {}

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.buffered
  }

  /** Adds a chunk and returns the frames it completed, in order. */
  push(chunk: Uint8Array): Either.Either<Array<Buffer>, ProtocolError> {
    const frames: Array<Buffer> = []
    const failure = this.pushEach(chunk, (buffer, start, end) => void frames.push(buffer.subarray(start, end)))
    return failure === undefined ? Either.right(frames) : Either.left(failure)
  }

  /**
   * Adds a chunk and hands each frame it completed to `onFrame` as bytes [start, end) of a buffer (no view, no array
   * of them), in order; answers the error when the stream is not frames. `onFrame` answering `false` stops the
   * reading (the reader closed the stream).
   */
  pushEach(
    chunk: Uint8Array,
    onFrame: (buffer: Buffer, start: number, end: number) => boolean | void
  ): ProtocolError | undefined {
    if (this.failure) return this.failure
    if (chunk.length === 0) return undefined
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.chunks.push(buffer)
    this.buffered += buffer.length
    while (this.buffered >= 4) {
      const head = this.peekLength()
      if (head < 4) return this.fail(`frame length ${head} is below the minimum of 4`)
      if (head + 4 > this.maxFrameLength) {
        return this.fail(
          `frame of ${head + 4} bytes exceeds the maximum of ${this.maxFrameLength}${
            head === HTTP_AS_LENGTH ? ": the peer answered in HTTP, it is not a RocketMQ name server or broker" : ""
          }`
        )
      }
      if (this.buffered < head + 4) break
      if (this.takeFrame(head + 4, onFrame) === false) break
    }
    return undefined
  }

  private fail(reason: string): ProtocolError {
    this.failure = new ProtocolError({ reason, offset: this.offset })
    this.chunks = []
    this.firstAt = 0
    this.buffered = 0
    return this.failure
  }

  private peekLength(): number {
    const first = this.chunks[0]!
    if (first.length - this.firstAt >= 4) return first.readInt32BE(this.firstAt)
    this.chunks = [Buffer.concat([first.subarray(this.firstAt), ...this.chunks.slice(1)])]
    this.firstAt = 0
    return this.chunks[0]!.readInt32BE(0)
  }

  /**
   * Removes a frame of `n` bytes (length prefix included) from the front and hands it to `onFrame` without its prefix:
   * where it lies in the chunk when it lies in one, a copy only when it spans chunks.
   */
  private takeFrame(
    n: number,
    onFrame: (buffer: Buffer, start: number, end: number) => boolean | void
  ): boolean | void {
    const first = this.chunks[0]!
    this.buffered -= n
    this.offset += n
    if (first.length - this.firstAt >= n) {
      const start = this.firstAt + 4
      this.firstAt += n
      if (this.firstAt === first.length) {
        this.chunks.shift()
        this.firstAt = 0
      }
      return onFrame(first, start, start + n - 4)
    }
    const out = Buffer.allocUnsafe(n - 4)
    let skip = 4
    let filled = 0
    while (filled < n - 4) {
      const c = this.chunks[0]!
      const available = c.length - this.firstAt
      const dropped = Math.min(skip, available)
      skip -= dropped
      const used = Math.min(available - dropped, n - 4 - filled)
      c.copy(out, filled, this.firstAt + dropped, this.firstAt + dropped + used)
      filled += used
      if (dropped + used === available) {
        this.chunks.shift()
        this.firstAt = 0
      } else this.firstAt += dropped + used
    }
    return onFrame(out, 0, out.length)
  }
}
