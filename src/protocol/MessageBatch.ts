import * as Either from "effect/Either"
import { ByteReader } from "./internal/ByteReader.js"
import { type MessageProperties, propertiesToString, stringToProperties } from "./MessageProperties.js"
import { ProtocolError } from "./ProtocolError.js"
import { toProtocolError } from "./RemotingCommand.js"

/**
 * One message inside a SEND_BATCH_MESSAGE body: only flag, body and properties travel per message, the topic is in
 * the request header (Java: `MessageDecoder.encodeMessage` / `decodeMessage`).
 *
 * @since 0.1.0
 * @category models
 */
export interface BatchEntry {
  readonly flag: number
  readonly body: Uint8Array
  readonly properties: MessageProperties
}

/**
 * Encodes a batch body exactly as `MessageBatch.encode` does: per message `i32 TOTALSIZE, i32 MAGIC=0,
 * i32 BODYCRC=0, i32 FLAG, i32 body length, body, i16 properties length, properties`.
 * Properties over 32767 bytes are a `ProtocolError`, as Java refuses them.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeBatch = (messages: ReadonlyArray<BatchEntry>): Either.Either<Buffer, ProtocolError> => {
  const parts: Array<Buffer> = []
  let total = 0
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    const properties = Buffer.from(propertiesToString(message.properties), "utf8")
    if (properties.length > 32767) {
      return Either.left(
        new ProtocolError({
          reason: `message ${i}: properties of ${properties.length} bytes are over 32767`,
          offset: 0
        })
      )
    }
    const size = 20 + message.body.length + 2 + properties.length
    const out = Buffer.allocUnsafe(size)
    let p = out.writeInt32BE(size, 0)
    p = out.writeInt32BE(0, p)
    p = out.writeInt32BE(0, p)
    p = out.writeInt32BE(message.flag | 0, p)
    p = out.writeInt32BE(message.body.length, p)
    out.set(message.body, p)
    p = out.writeInt16BE(properties.length, p + message.body.length)
    properties.copy(out, p)
    parts.push(out)
    total += size
  }
  return Either.right(Buffer.concat(parts, total))
}

/**
 * Decodes a batch body back into its messages (Java: `MessageDecoder.decodeMessages`, as the broker reads a
 * SEND_BATCH_MESSAGE request).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeBatch = (body: Uint8Array): Either.Either<Array<BatchEntry>, ProtocolError> =>
  Either.try({
    try: () => {
      const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      const reader = new ByteReader(buffer)
      const out: Array<BatchEntry> = []
      while (reader.remaining > 0) {
        const start = reader.position
        const size = reader.int32("TOTALSIZE")
        if (size < 22 || size > reader.end - start) {
          reader.fail(`batch entry size ${size} does not fit the ${reader.end - start} byte(s) left`, start)
        }
        const entry = new ByteReader(buffer, reader.position, start + size)
        entry.int32("MAGICCODE")
        entry.int32("BODYCRC")
        const flag = entry.int32("FLAG")
        const bodyLength = entry.int32("BODY length")
        const messageBody = entry.bytes(bodyLength, "BODY")
        const propertiesLength = entry.int16("PROPERTIES length")
        const properties = stringToProperties(entry.utf8(propertiesLength, "PROPERTIES"))
        if (entry.remaining !== 0) entry.fail(`batch entry declares ${size} bytes but its fields end earlier`)
        reader.position = start + size
        out.push({ flag, body: messageBody, properties })
      }
      return out
    },
    catch: toProtocolError
  })
