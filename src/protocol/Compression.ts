import { decompress as zstdDecompress } from "fzstd"
import * as lz4 from "lz4js"
import { deflateSync, inflateSync } from "node:zlib"
import type { CompressionType } from "./MessageSysFlag.js"

/**
 * Decompresses a message body into a `Buffer` (Java: `CompressorFactory.getCompressor(type).decompress`): zlib streams through
 * `node:zlib`, LZ4 frames through `lz4js`, Zstandard frames through `fzstd`. Throws on corrupt input; the message
 * decoder turns that into a `ProtocolError`.
 *
 * @since 0.1.0
 * @category compression
 */
export const decompressBody = (type: CompressionType, body: Uint8Array): Buffer => {
  switch (type) {
    case "ZLIB":
      return inflateSync(body)
    case "LZ4":
      return asBuffer(lz4.decompress(body))
    case "ZSTD":
      return asBuffer(zstdDecompress(body))
  }
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * Compresses a message body (Java: `Compressor.compress(body, level)`; the producer's default is zlib level 5).
 * LZ4 writes a frame, as Java's `LZ4FrameOutputStream` does. Zstandard is decode-only here.
 *
 * @since 0.1.0
 * @category compression
 */
export const compressBody = (type: "ZLIB" | "LZ4", body: Uint8Array, level = 5): Buffer =>
  type === "ZLIB" ? deflateSync(body, { level }) : asBuffer(lz4.compress(body))
