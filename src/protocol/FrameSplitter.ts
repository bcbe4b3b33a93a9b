import { Either } from "effect"
import { ProtocolError } from "./ProtocolError.js"
import { DEFAULT_MAX_FRAME_LENGTH } from "./RemotingCommand.js"

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
    if (this.failure) return Either.left(this.failure)
    if (chunk.length === 0) return Either.right([])
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.chunks.push(buffer)
    this.buffered += buffer.length
    const frames: Array<Buffer> = []
    while (this.buffered >= 4) {
      const head = this.peekLength()
      if (head < 4) return this.fail(`frame length ${head} is below the minimum of 4`)
      if (head + 4 > this.maxFrameLength) {
        return this.fail(`frame of ${head + 4} bytes exceeds the maximum of ${this.maxFrameLength}`)
      }
      if (this.buffered < head + 4) break
      frames.push(this.take(head + 4).subarray(4))
    }
    return Either.right(frames)
  }

  private fail(reason: string): Either.Either<Array<Buffer>, ProtocolError> {
    this.failure = new ProtocolError({ reason, offset: this.offset })
    this.chunks = []
    this.buffered = 0
    return Either.left(this.failure)
  }

  private peekLength(): number {
    const first = this.chunks[0]!
    if (first.length >= 4) return first.readInt32BE(0)
    this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]!.readInt32BE(0)
  }

  /** Removes `n` bytes from the front, copying only when they span chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!
    let out: Buffer
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let filled = 0
      while (filled < n) {
        const c = this.chunks[0]!
        const used = Math.min(c.length, n - filled)
        c.copy(out, filled, 0, used)
        filled += used
        if (used === c.length) this.chunks.shift()
        else this.chunks[0] = c.subarray(used)
      }
    }
    this.buffered -= n
    this.offset += n
    return out
  }
}
