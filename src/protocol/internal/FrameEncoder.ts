/**
 * Encoding of commands into frames (Java: `RemotingCommand.encode` and `NettyEncoder`): the length prefix, the
 * serialize type word, the header (JSON or `ROCKETMQ` binary) and the body, with small frames cut from slabs.
 * `RemotingCommand` re-exports what is public here.
 */
import { LanguageCode } from "../LanguageCode.js"
import type { RemotingCommand } from "../RemotingCommand.js"
import { writeJsonHeader } from "./JsonHeaderWriter.js"
import { Slab } from "./Slab.js"

const binaryHeader = (command: RemotingCommand): Buffer => {
  const remark = command.remark !== undefined && command.remark.length > 0 ? command.remark : undefined
  const remarkLength = remark === undefined ? 0 : Buffer.byteLength(remark, "utf8")
  let extLength = 0
  const ext = command.extFields
  if (ext !== undefined) {
    for (const key in ext) {
      const value = ext[key]
      if (value === undefined || value === null) continue
      extLength += 6 + Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8")
    }
  }
  const out = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + remarkLength + 4 + extLength)
  let p = out.writeInt16BE(command.code << 16 >> 16, 0)
  p = out.writeInt8(LanguageCode[command.language], p)
  p = out.writeInt16BE(command.version << 16 >> 16, p)
  p = out.writeInt32BE(command.opaque | 0, p)
  p = out.writeInt32BE(command.flag | 0, p)
  p = out.writeInt32BE(remarkLength, p)
  if (remark !== undefined) p += out.write(remark, p, "utf8")
  p = out.writeInt32BE(extLength, p)
  if (ext !== undefined) {
    for (const key in ext) {
      const value = ext[key]
      if (value === undefined || value === null) continue
      const keyLength = out.write(key, p + 2, "utf8")
      out.writeInt16BE(keyLength, p)
      p += 2 + keyLength
      const valueLength = out.write(value, p + 4, "utf8")
      out.writeInt32BE(valueLength, p)
      p += 4 + valueLength
    }
  }
  return out
}

/**
 * Small frames are cut from 64 KiB slabs, so that a stream of 1 KiB frames does not make a new 8 KiB pool every few
 * frames.
 */
const frames = new Slab(64 * 1024, 4096 + 1024)

/**
 * Writes a JSON header at byte 8 of a new frame of `extra` more bytes. The header is written where the frame will be,
 * in the slab's free space, and the frame is cut around it; a header too large for that is written again into a
 * larger buffer, and a frame that does not fit in the slab is a new buffer the header is copied into.
 */
const frameWithJsonHeader = (command: RemotingCommand, extra: number): Buffer => {
  let buffer = frames.slab
  let at = frames.offset
  let end = writeJsonHeader(buffer, at + 8, command)
  if (end < 0 && at > 0) {
    frames.renew()
    buffer = frames.slab
    at = 0
    end = writeJsonHeader(buffer, 8, command)
  }
  for (let size = 4 * buffer.length; end < 0; size *= 2) {
    buffer = Buffer.allocUnsafe(size)
    at = 0
    end = writeJsonHeader(buffer, 8, command)
  }
  const size = end - at + extra
  if (buffer === frames.slab && size <= frames.maxPiece && at + size <= buffer.length) return frames.take(size)
  const frame = frames.alloc(size)
  buffer.copy(frame, 8, at + 8, end)
  return frame
}

/**
 * Writes the frame's head (length prefix, serialize type word and header) into a new buffer of `extra` more bytes,
 * to which the caller adds the body; `frameLength` counts the body too.
 */
const frameWithHead = (command: RemotingCommand, bodyLength: number, extra: number): Buffer => {
  let frame: Buffer
  let headerLength: number
  if (command.serializeType === "ROCKETMQ") {
    const header = binaryHeader(command)
    headerLength = header.length
    frame = frames.alloc(8 + headerLength + extra)
    header.copy(frame, 8)
  } else {
    frame = frameWithJsonHeader(command, extra)
    headerLength = frame.length - 8 - extra
  }
  frame.writeInt32BE(4 + headerLength + bodyLength, 0)
  frame.writeInt32BE(((command.serializeType === "ROCKETMQ" ? 1 : 0) << 24) | (headerLength & 0xffffff), 4)
  return frame
}

/**
 * Encodes a command as one frame, length prefix included (Java: `RemotingCommand.encode` and `NettyEncoder`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeCommand = (command: RemotingCommand): Buffer => {
  const bodyLength = command.body?.length ?? 0
  const frame = frameWithHead(command, bodyLength, bodyLength)
  if (command.body !== undefined && bodyLength > 0) frame.set(command.body, frame.length - bodyLength)
  return frame
}

/**
 * Encodes everything of a command's frame but its body: the length prefix (which counts the body), the serialize
 * type word and the header. Written to a socket followed by `command.body` as it is, it makes the same bytes as
 * {@link encodeCommand} without copying the body (Java: `RemotingCommand.encodeHeader(bodyLength)`, which
 * `NettyEncoder` writes before the body).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrameHead = (command: RemotingCommand): Buffer =>
  frameWithHead(command, command.body?.length ?? 0, 0)

/**
 * A frame as a socket writes it: its head and, when the body is large, the body as it is (written after the head,
 * never copied); a small body is copied into the head, as one buffer is cheaper to write. `length` counts both.
 *
 * @since 0.1.0
 * @category models
 */
export interface FrameParts {
  readonly head: Buffer
  readonly body: Uint8Array | undefined
  readonly length: number
}

/**
 * Bodies from this size on are written after the head instead of being copied into it: 4 KiB.
 *
 * @since 0.1.0
 * @category encoding
 */
export const UNCOPIED_BODY_MIN = 4096

/**
 * Encodes a command for a socket write (Java: `NettyEncoder`, which writes the header and then the body): one
 * buffer for a small body, the head and the body as it is for a body of {@link UNCOPIED_BODY_MIN} bytes or more.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFrameParts = (command: RemotingCommand, uncopiedBodyMin = UNCOPIED_BODY_MIN): FrameParts => {
  const body = command.body
  if (body === undefined || body.length < uncopiedBodyMin) {
    const frame = encodeCommand(command)
    return { head: frame, body: undefined, length: frame.length }
  }
  const head = encodeFrameHead(command)
  return { head, body, length: head.length + body.length }
}
