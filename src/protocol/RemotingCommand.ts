import { Either } from "effect"
import { ByteReader } from "./internal/ByteReader.js"
import { readJsonHeader } from "./internal/JsonHeaderReader.js"
import { writeJsonHeader } from "./internal/JsonHeaderWriter.js"
import { Slab } from "./internal/Slab.js"
import { isLanguageName, LanguageCode, type LanguageName, languageOfCode } from "./LanguageCode.js"
import { ProtocolError } from "./ProtocolError.js"
import { CURRENT_VERSION } from "./Version.js"

/**
 * How a command's header is serialized (`org.apache.rocketmq.remoting.protocol.SerializeType`):
 * `JSON` (0, the Java default) or `ROCKETMQ` (1, the compact binary form of `RocketMQSerializable`).
 *
 * @since 0.1.0
 * @category protocol
 */
export type SerializeType = "JSON" | "ROCKETMQ"

/**
 * One request or response of the remoting protocol (Java: `RemotingCommand`).
 * `extFields` holds the custom header flattened to strings; `body` is the opaque payload.
 *
 * @since 0.1.0
 * @category protocol
 */
export interface RemotingCommand {
  readonly code: number
  readonly language: LanguageName
  readonly version: number
  readonly opaque: number
  readonly flag: number
  readonly remark?: string | undefined
  readonly extFields?: Readonly<Record<string, string>> | undefined
  readonly body?: Uint8Array | undefined
  readonly serializeType: SerializeType
}

/**
 * Bits of `flag` (Java: `RemotingCommand.RPC_TYPE` and `RPC_ONEWAY`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const Flag = {
  RESPONSE: 1,
  ONEWAY: 2
} as const

/**
 * Netty's default maximum frame (`com.rocketmq.remoting.frameMaxLength`), length prefix included: 16 MiB.
 *
 * @since 0.1.0
 * @category protocol
 */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024

/** @since 0.1.0 @category predicates */
export const isResponse = (command: RemotingCommand): boolean => (command.flag & Flag.RESPONSE) !== 0

/** @since 0.1.0 @category predicates */
export const isOneway = (command: RemotingCommand): boolean => (command.flag & Flag.ONEWAY) !== 0

/**
 * A request command (Java: `RemotingCommand.createRequestCommand`); `opaque` is set by the transport.
 *
 * @since 0.1.0
 * @category constructors
 */
export const request = (
  code: number,
  extFields?: Readonly<Record<string, string>>,
  options?: {
    readonly body?: Uint8Array | undefined
    readonly remark?: string | undefined
    readonly opaque?: number | undefined
    readonly oneway?: boolean | undefined
    readonly version?: number | undefined
    readonly language?: LanguageName | undefined
    readonly serializeType?: SerializeType | undefined
  }
): RemotingCommand => ({
  code,
  language: options?.language ?? "JAVA",
  version: options?.version ?? CURRENT_VERSION,
  opaque: options?.opaque ?? 0,
  flag: options?.oneway ? Flag.ONEWAY : 0,
  remark: options?.remark,
  extFields,
  body: options?.body,
  serializeType: options?.serializeType ?? "JSON"
})

/**
 * The response to `to` (Java: `RemotingCommand.createResponseCommand`): same opaque and serialize type,
 * the response bit set.
 *
 * @since 0.1.0
 * @category constructors
 */
export const response = (
  to: RemotingCommand,
  code: number,
  options?: {
    readonly remark?: string | undefined
    readonly extFields?: Readonly<Record<string, string>> | undefined
    readonly body?: Uint8Array | undefined
    readonly version?: number | undefined
    readonly language?: LanguageName | undefined
  }
): RemotingCommand => ({
  code,
  language: options?.language ?? "JAVA",
  version: options?.version ?? CURRENT_VERSION,
  opaque: to.opaque,
  flag: Flag.RESPONSE,
  remark: options?.remark,
  extFields: options?.extFields,
  body: options?.body,
  serializeType: to.serializeType
})

// ---------------------------------------------------------------------------------------------------------------
// Encoding

/** The JSON header as fastjson writes it: properties in alphabetical order, nulls left out. */
const jsonHeader = (command: RemotingCommand): string =>
  JSON.stringify(
    command.remark === undefined
      ? {
        code: command.code,
        extFields: command.extFields,
        flag: command.flag,
        language: command.language,
        opaque: command.opaque,
        serializeTypeCurrentRPC: "JSON",
        version: command.version
      }
      : {
        code: command.code,
        extFields: command.extFields,
        flag: command.flag,
        language: command.language,
        opaque: command.opaque,
        remark: command.remark,
        serializeTypeCurrentRPC: "JSON",
        version: command.version
      }
  )

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

/** Where JSON headers are written before being copied into their frame (encoding is synchronous). */
const headerScratch = Buffer.allocUnsafeSlow(64 * 1024)

/**
 * Small frames are cut from 64 KiB slabs, so that a stream of 1 KiB frames does not make a new 8 KiB pool every few
 * frames.
 */
const frames = new Slab(64 * 1024, 4096 + 1024)
const allocFrame = (size: number): Buffer => frames.alloc(size)

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
    frame = allocFrame(8 + headerLength + extra)
    header.copy(frame, 8)
  } else {
    headerLength = writeJsonHeader(headerScratch, command)
    if (headerLength >= 0) {
      frame = allocFrame(8 + headerLength + extra)
      headerScratch.copy(frame, 8, 0, headerLength)
    } else {
      // Non-ASCII text or a very large header: the general path, the JSON text written straight into the frame.
      const header = jsonHeader(command)
      headerLength = Buffer.byteLength(header, "utf8")
      frame = allocFrame(8 + headerLength + extra)
      frame.write(header, 8, "utf8")
    }
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

// ---------------------------------------------------------------------------------------------------------------
// Decoding

const toInt = (reader: ByteReader, value: unknown, what: string, at: number): number => {
  if (typeof value === "number" && Number.isInteger(value)) return value
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value)
  return reader.fail(`header field ${what} is not an integer: ${JSON.stringify(value)}`, at)
}

/**
 * `extFields` with every value a string. `JSON.parse` defines keys as own properties (a key "__proto__" included),
 * so its object is used as it is when all values are strings, as fastjson writes them; otherwise it is copied with
 * numbers and booleans turned to text and nulls left out.
 */
const stringValued = (fields: Record<string, unknown>): Record<string, string> => {
  for (const key in fields) {
    if (typeof fields[key] !== "string") {
      const copy = Object.create(null) as Record<string, string>
      for (const [k, v] of Object.entries(fields)) {
        if (v === null || v === undefined) continue
        copy[k] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v)
      }
      return copy
    }
  }
  return fields as Record<string, string>
}

const decodeJsonHeader = (reader: ByteReader, length: number, body: Uint8Array | undefined): RemotingCommand => {
  const at = reader.position
  // A header that is not JSON throws a SyntaxError here; decodeFrame reports it at the header's offset.
  const header: unknown = JSON.parse(reader.utf8(length, "JSON header"))
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    return reader.fail("JSON header is not an object", at)
  }
  const h = header as Record<string, unknown>
  let language: LanguageName = "JAVA"
  if (h.language === "JAVA") language = "JAVA"
  else if (typeof h.language === "string") {
    if (!isLanguageName(h.language)) return reader.fail(`unknown language ${h.language}`, at)
    language = h.language
  } else if (typeof h.language === "number") {
    language = languageOfCode(h.language) ?? reader.fail(`unknown language code ${h.language}`, at)
  }
  let extFields: Record<string, string> | undefined
  if (h.extFields !== undefined && h.extFields !== null) {
    if (typeof h.extFields !== "object" || Array.isArray(h.extFields)) {
      return reader.fail("extFields is not an object", at)
    }
    extFields = stringValued(h.extFields as Record<string, unknown>)
  }
  if (h.remark !== undefined && h.remark !== null && typeof h.remark !== "string") {
    return reader.fail("remark is not a string", at)
  }
  return {
    code: toInt(reader, h.code, "code", at),
    language,
    version: h.version === undefined ? 0 : toInt(reader, h.version, "version", at),
    opaque: h.opaque === undefined ? 0 : toInt(reader, h.opaque, "opaque", at),
    flag: h.flag === undefined ? 0 : toInt(reader, h.flag, "flag", at),
    remark: typeof h.remark === "string" ? h.remark : undefined,
    extFields,
    body,
    serializeType: "JSON"
  }
}

const decodeBinaryHeader = (reader: ByteReader, length: number, body: Uint8Array | undefined): RemotingCommand => {
  const end = reader.position + length
  const code = reader.int16("code")
  const languageAt = reader.position
  const languageCode = reader.int8("language")
  const language = languageOfCode(languageCode) ?? reader.fail(`unknown language code ${languageCode}`, languageAt)
  const version = reader.int16("version")
  const opaque = reader.int32("opaque")
  const flag = reader.int32("flag")
  const remarkLength = reader.int32("remark length")
  const remark = remarkLength > 0 ? reader.utf8(remarkLength, "remark") : undefined
  if (remarkLength < 0) reader.fail(`negative remark length ${remarkLength}`)
  const extLength = reader.int32("extFields length")
  if (extLength < 0) reader.fail(`negative extFields length ${extLength}`)
  let extFields: Record<string, string> | undefined
  if (extLength > 0) {
    reader.need(extLength, "extFields")
    const extEnd = reader.position + extLength
    const fields = new ByteReader(reader.buffer, reader.position, extEnd, reader.base)
    extFields = Object.create(null) as Record<string, string>
    while (fields.remaining > 0) {
      const key = fields.utf8(fields.uint16("extFields key length"), "extFields key")
      extFields[key] = fields.utf8(fields.int32("extFields value length"), "extFields value")
    }
    reader.position = extEnd
  }
  if (reader.position !== end) reader.fail(`binary header ends at ${reader.position - reader.base}, expected ${end}`)
  return { code, language, version, opaque, flag, remark, extFields, body, serializeType: "ROCKETMQ" }
}

/**
 * Decodes one frame whose length prefix was already removed (what the frame splitter yields): the
 * "serialize type + header length" word, the header and the body (Java: `RemotingCommand.decode`).
 * `base` is the frame's position in a larger buffer, for error offsets.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeFrame = (frame: Uint8Array, base = 0): Either.Either<RemotingCommand, ProtocolError> => {
  const buffer = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
  return decodeFrameIn(buffer, 0, base)
}

/** Decodes the frame that fills `buffer` from `start` (after its length prefix); `base` places it for error offsets. */
const decodeFrameIn = (buffer: Buffer, start: number, base: number): Either.Either<RemotingCommand, ProtocolError> => {
  const command = decodeFrameOrError(buffer, start, base)
  return command instanceof ProtocolError ? Either.left(command) : Either.right(command)
}

/**
 * {@link decodeFrame} for the transport's read loop: the command or the error itself, with no `Either` around it.
 * The frame is bytes [start, end) of `buffer` (after its length prefix); `base` places it for error offsets.
 *
 * @internal
 */
export const decodeFrameOrError = (
  buffer: Buffer,
  start = 0,
  base = 0,
  end = buffer.length
): RemotingCommand | ProtocolError => {
  // The usual frame, a JSON header of the shape fastjson writes, is read with no cursor object.
  if (end - start >= 4) {
    const word = buffer.readInt32BE(start)
    const headerStart = start + 4
    const headerEnd = headerStart + (word & 0xffffff)
    if ((word >>> 24) === 0 && headerEnd <= end) {
      const header = readJsonHeader(buffer, headerStart, headerEnd)
      if (header !== undefined) {
        return {
          code: header.code,
          language: header.language,
          version: header.version,
          opaque: header.opaque,
          flag: header.flag,
          remark: header.remark,
          extFields: header.extFields,
          body: headerEnd < end ? buffer.subarray(headerEnd, end) : undefined,
          serializeType: "JSON"
        }
      }
    }
  }
  const decoded = Either.try({
    try: () => {
      const reader = new ByteReader(buffer, start, end, base - start)
      const word = reader.int32("serialize type and header length")
      const type = (word >>> 24) & 0xff
      const headerLength = word & 0xffffff
      reader.need(headerLength, "header")
      const bodyStart = start + 4 + headerLength
      const body = bodyStart < end ? buffer.subarray(bodyStart, end) : undefined
      if (type === 0) return decodeJsonHeader(reader, headerLength, body)
      if (type === 1) return decodeBinaryHeader(reader, headerLength, body)
      return reader.fail(`unknown serialize type ${type}`, start)
    },
    catch: (error) =>
      error instanceof SyntaxError
        ? new ProtocolError({ reason: `JSON header does not parse: ${error.message}`, offset: base + 4 })
        : toProtocolError(error)
  })
  return Either.isRight(decoded) ? decoded.right : decoded.left
}

/**
 * Decodes a whole frame, 4-byte length prefix included; the prefix must match the bytes given.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeCommand = (bytes: Uint8Array): Either.Either<RemotingCommand, ProtocolError> => {
  if (bytes.length < 4) {
    return Either.left(new ProtocolError({ reason: `a frame needs 4 length bytes, got ${bytes.length}`, offset: 0 }))
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = buffer.readInt32BE(0)
  if (length !== buffer.length - 4) {
    return Either.left(
      new ProtocolError({ reason: `length prefix says ${length} bytes, ${buffer.length - 4} follow`, offset: 0 })
    )
  }
  return decodeFrameIn(buffer, 4, 4)
}

/** @internal */
export const toProtocolError = (error: unknown): ProtocolError =>
  error instanceof ProtocolError ? error : new ProtocolError({ reason: String(error), offset: -1 })
