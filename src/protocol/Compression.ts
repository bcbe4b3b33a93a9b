import type * as Fzstd from "fzstd"
import type * as Lz4 from "lz4js"
import { createRequire } from "node:module"
import { deflateSync, inflateSync } from "node:zlib"
import type { CompressionType } from "./MessageSysFlag.js"

// The LZ4 and Zstandard codecs are loaded when a body first needs them (issue 16: importing the package loads only
// what is used), synchronously through `require` (both packages ship CommonJS; Node caches what it loaded). A bundler
// does not follow this `require`: a bundled application keeps the two packages beside it (README, "Stack").
const load = createRequire(import.meta.url)
const required = (name: "lz4js" | "fzstd"): unknown => {
  try {
    return load(name)
  } catch (error) {
    throw new Error(`the ${name} package, which decodes such bodies, could not be loaded: ${String(error)}`)
  }
}
const lz4 = (): typeof Lz4 => required("lz4js") as typeof Lz4
const zstdDecompress = (body: Uint8Array): Uint8Array => (required("fzstd") as typeof Fzstd).decompress(body)

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
      return asBuffer(lz4().decompress(body, lz4OutputBound(body)))
    case "ZSTD":
      return asBuffer(zstdDecompress(body))
  }
}

/** An LZ4 frame's largest block, by the block-size index of its descriptor: 4 to 7 are 64 KiB to 4 MiB. */
const lz4MaxBlock = (index: number): number | undefined => index >= 4 ? 0x10000 << ((index - 4) * 2) : undefined

/**
 * The most an LZ4 frame can decompress to, after checking that every block fits in the frame and in the frame's
 * maximum block size (Java's `LZ4FrameInputStream` refuses a block over it too). lz4js checks neither and sizes its
 * output from what the frame claims: a 30-byte body claiming a 2 GiB block would have it allocate and fill 2 GiB.
 * A compressed block gives at most 255 bytes per byte (LZ4's longest run), and never more than the maximum block size.
 */
const lz4OutputBound = (body: Uint8Array): number => {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  if (body.length < 7) throw new Error(`LZ4 frame of ${body.length} bytes is too short`)
  if (view.getUint32(0, true) !== 0x184d2204) throw new Error("invalid LZ4 magic number")
  const maxBlock = lz4MaxBlock((body[5]! >> 4) & 7)
  if (maxBlock === undefined) throw new Error(`invalid LZ4 block size index ${(body[5]! >> 4) & 7}`)
  const blockChecksums = (body[4]! & 0x10) !== 0
  let at = (body[4]! & 0x08) !== 0 ? 15 : 7
  let bound = 0
  for (;;) {
    if (at + 4 > body.length) throw new Error("LZ4 frame ends before its end mark")
    const word = view.getUint32(at, true)
    at += 4
    if (word === 0) return bound
    const size = word & 0x7fffffff
    if (size > maxBlock) throw new Error(`LZ4 block of ${size} bytes is over the frame's maximum of ${maxBlock}`)
    at += size + (blockChecksums ? 4 : 0)
    if (at > body.length) throw new Error(`LZ4 block of ${size} bytes runs past the end of the frame`)
    bound += word === size ? Math.min(maxBlock, size * 255 + 16) : size
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
  type === "ZLIB" ? deflateSync(body, { level }) : asBuffer(lz4().compress(body))
