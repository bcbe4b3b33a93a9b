import { ProtocolError } from "../ProtocolError.js"

const TWO_32 = 4294967296

/**
 * A bounds-checked big-endian cursor over a buffer. Reading past the end throws a {@link ProtocolError}; the
 * public decoders catch it with `Either.try` so that callers only ever see a value or a typed error.
 * `base` is added to positions in error offsets (the position of this buffer in a larger one).
 */
export class ByteReader {
  position: number
  constructor(readonly buffer: Buffer, start = 0, public end = buffer.length, readonly base = 0) {
    this.position = start
  }

  get remaining(): number {
    return this.end - this.position
  }

  fail(reason: string, at = this.position): never {
    throw new ProtocolError({ reason, offset: this.base + at })
  }

  need(n: number, what: string): void {
    if (n < 0) this.fail(`negative length ${n} for ${what}`)
    if (this.position + n > this.end) {
      this.fail(`${what} needs ${n} byte(s), ${this.end - this.position} left`)
    }
  }

  int8(what: string): number {
    this.need(1, what)
    return this.buffer.readInt8(this.position++)
  }

  int16(what: string): number {
    this.need(2, what)
    const v = this.buffer.readInt16BE(this.position)
    this.position += 2
    return v
  }

  uint16(what: string): number {
    this.need(2, what)
    const v = this.buffer.readUInt16BE(this.position)
    this.position += 2
    return v
  }

  // The bytes are read by hand after `need`: Buffer's readInt32BE checks its argument and bounds again (bench/codec).
  int32(what: string): number {
    this.need(4, what)
    const b = this.buffer
    const p = this.position
    this.position = p + 4
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
  }

  /** A Java `long` as a JS number; values beyond 2^53 are refused rather than rounded. */
  int64(what: string): number {
    this.need(8, what)
    const b = this.buffer
    const p = this.position
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0
    const v = hi * TWO_32 + lo
    if (!Number.isSafeInteger(v)) this.fail(`${what} does not fit in a safe integer`)
    this.position += 8
    return v
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what)
    const v = this.buffer.subarray(this.position, this.position + n)
    this.position += n
    return v
  }

  utf8(n: number, what: string): string {
    this.need(n, what)
    const v = this.buffer.toString("utf8", this.position, this.position + n)
    this.position += n
    return v
  }
}

/** Writes a Java `long` (a safe JS integer) big-endian at `offset`. */
export const writeInt64 = (buffer: Buffer, value: number, offset: number): void => {
  const hi = Math.floor(value / TWO_32)
  buffer.writeInt32BE(hi, offset)
  buffer.writeUInt32BE(value - hi * TWO_32, offset + 4)
}
