import * as Either from "effect/Either"
import { ByteReader } from "./internal/ByteReader.js"
import { readJsonHeader } from "./internal/JsonHeaderReader.js"
import { type LanguageName, languageOfCode } from "./LanguageCode.js"
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
// Encoding (in internal/FrameEncoder.ts)

export {
  /**
   * Encodes a command as one frame, length prefix included (Java: `RemotingCommand.encode` and `NettyEncoder`).
   *
   * @since 0.1.0
   * @category encoding
   */
  encodeCommand,
  /**
   * Encodes everything of a command's frame but its body (Java: `RemotingCommand.encodeHeader(bodyLength)`).
   *
   * @since 0.1.0
   * @category encoding
   */
  encodeFrameHead,
  /**
   * Encodes a command for a socket write: one buffer for a small body, the head and the body as it is for a large one.
   *
   * @since 0.1.0
   * @category encoding
   */
  encodeFrameParts,
  /**
   * Bodies from this size on are written after the head instead of being copied into it: 4 KiB.
   *
   * @since 0.1.0
   * @category encoding
   */
  UNCOPIED_BODY_MIN
} from "./internal/FrameEncoder.js"

export type {
  /**
   * A frame as a socket writes it: its head and, when the body is large, the body as it is.
   *
   * @since 0.1.0
   * @category models
   */
  FrameParts
} from "./internal/FrameEncoder.js"

// ---------------------------------------------------------------------------------------------------------------
// Decoding

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
  if (reader.position !== end) {
    reader.fail(`binary header ends at ${reader.position + reader.base}, expected ${end + reader.base}`)
  }
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
  if (end - start < 4) {
    return new ProtocolError({
      reason: `serialize type and header length needs 4 byte(s), ${end - start} left`,
      offset: base
    })
  }
  const word = buffer.readInt32BE(start)
  const type = word >>> 24
  const headerStart = start + 4
  const headerEnd = headerStart + (word & 0xffffff)
  if (headerEnd > end) {
    return new ProtocolError({
      reason: `header needs ${word & 0xffffff} byte(s), ${end - headerStart} left`,
      offset: base + 4
    })
  }
  const body = headerEnd < end ? buffer.subarray(headerEnd, end) : undefined
  if (type === 0) {
    const header = readJsonHeader(buffer, headerStart, headerEnd)
    if ("_tag" in header) return new ProtocolError({ reason: header.reason, offset: base + 4 })
    return {
      code: header.code,
      language: header.language,
      version: header.version,
      opaque: header.opaque,
      flag: header.flag,
      remark: header.remark,
      extFields: header.extFields,
      body,
      serializeType: "JSON"
    }
  }
  if (type === 1) {
    const decoded = Either.try({
      try: () => decodeBinaryHeader(new ByteReader(buffer, headerStart, end, base - start), word & 0xffffff, body),
      catch: toProtocolError
    })
    return Either.isRight(decoded) ? decoded.right : decoded.left
  }
  return new ProtocolError({ reason: `unknown serialize type ${type}`, offset: base })
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
