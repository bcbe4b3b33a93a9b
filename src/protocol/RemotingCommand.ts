import { Either } from "effect"
import { ByteReader } from "./internal/ByteReader.js"
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

const jsonHeader = (command: RemotingCommand): Buffer => {
  // fastjson writes the bean's properties in alphabetical order and leaves out nulls: do the same.
  const header: Record<string, unknown> = { code: command.code }
  if (command.extFields !== undefined) header.extFields = command.extFields
  header.flag = command.flag
  header.language = command.language
  header.opaque = command.opaque
  if (command.remark !== undefined) header.remark = command.remark
  header.serializeTypeCurrentRPC = "JSON"
  header.version = command.version
  return Buffer.from(JSON.stringify(header), "utf8")
}

const binaryHeader = (command: RemotingCommand): Buffer => {
  const remark = command.remark !== undefined && command.remark.length > 0
    ? Buffer.from(command.remark, "utf8")
    : undefined
  const entries: Array<[Buffer, Buffer]> = []
  let extLength = 0
  if (command.extFields !== undefined) {
    for (const key in command.extFields) {
      const value = command.extFields[key]
      if (value === undefined || value === null) continue
      const k = Buffer.from(key, "utf8")
      const v = Buffer.from(value, "utf8")
      entries.push([k, v])
      extLength += 2 + k.length + 4 + v.length
    }
  }
  const size = 2 + 1 + 2 + 4 + 4 + 4 + (remark?.length ?? 0) + 4 + extLength
  const out = Buffer.allocUnsafe(size)
  let p = out.writeInt16BE(command.code << 16 >> 16, 0)
  p = out.writeInt8(LanguageCode[command.language], p)
  p = out.writeInt16BE(command.version << 16 >> 16, p)
  p = out.writeInt32BE(command.opaque | 0, p)
  p = out.writeInt32BE(command.flag | 0, p)
  p = out.writeInt32BE(remark?.length ?? 0, p)
  if (remark) p += remark.copy(out, p)
  p = out.writeInt32BE(extLength, p)
  for (const [k, v] of entries) {
    p = out.writeInt16BE(k.length, p)
    p += k.copy(out, p)
    p = out.writeInt32BE(v.length, p)
    p += v.copy(out, p)
  }
  return out
}

/**
 * Encodes a command as one frame, length prefix included (Java: `RemotingCommand.encode` and `NettyEncoder`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeCommand = (command: RemotingCommand): Buffer => {
  const header = command.serializeType === "ROCKETMQ" ? binaryHeader(command) : jsonHeader(command)
  const bodyLength = command.body?.length ?? 0
  const frame = Buffer.allocUnsafe(8 + header.length + bodyLength)
  frame.writeInt32BE(4 + header.length + bodyLength, 0)
  frame.writeInt32BE(((command.serializeType === "ROCKETMQ" ? 1 : 0) << 24) | (header.length & 0xffffff), 4)
  header.copy(frame, 8)
  if (command.body !== undefined && bodyLength > 0) frame.set(command.body, 8 + header.length)
  return frame
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

const toInt = (reader: ByteReader, value: unknown, what: string, at: number): number => {
  if (typeof value === "number" && Number.isInteger(value)) return value
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value)
  return reader.fail(`header field ${what} is not an integer: ${JSON.stringify(value)}`, at)
}

const decodeJsonHeader = (reader: ByteReader, length: number, body: Uint8Array | undefined): RemotingCommand => {
  const at = reader.position
  const text = reader.utf8(length, "JSON header")
  const parsed = Either.try(() => JSON.parse(text) as unknown)
  if (Either.isLeft(parsed)) return reader.fail(`JSON header does not parse: ${String(parsed.left)}`, at)
  const header = parsed.right
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    return reader.fail("JSON header is not an object", at)
  }
  const h = header as Record<string, unknown>
  let language: LanguageName = "JAVA"
  if (typeof h.language === "string") {
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
    extFields = Object.create(null) as Record<string, string>
    for (const [k, v] of Object.entries(h.extFields as Record<string, unknown>)) {
      if (v === null || v === undefined) continue
      extFields[k] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v)
    }
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
export const decodeFrame = (frame: Uint8Array, base = 0): Either.Either<RemotingCommand, ProtocolError> =>
  Either.try({
    try: () => {
      const buffer = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
      const reader = new ByteReader(buffer, 0, buffer.length, base)
      const word = reader.int32("serialize type and header length")
      const type = (word >>> 24) & 0xff
      const headerLength = word & 0xffffff
      reader.need(headerLength, "header")
      const bodyStart = 4 + headerLength
      const body = bodyStart < buffer.length ? buffer.subarray(bodyStart) : undefined
      if (type === 0) return decodeJsonHeader(reader, headerLength, body)
      if (type === 1) return decodeBinaryHeader(reader, headerLength, body)
      return reader.fail(`unknown serialize type ${type}`, 0)
    },
    catch: toProtocolError
  })

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
  return decodeFrame(buffer.subarray(4), 4)
}

/** @internal */
export const toProtocolError = (error: unknown): ProtocolError =>
  error instanceof ProtocolError ? error : new ProtocolError({ reason: String(error), offset: -1 })
