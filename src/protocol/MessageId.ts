import * as Either from "effect/Either"
import { type HostAddress, ipToBytesShared, ipToString } from "./HostAddress.js"
import { ProtocolError } from "./ProtocolError.js"

const TWO_32 = 4294967296

const fromHex = (id: string, what: string): Either.Either<Buffer, ProtocolError> =>
  /^(?:[0-9a-fA-F]{2})*$/.test(id)
    ? Either.right(Buffer.from(id, "hex"))
    : Either.left(new ProtocolError({ reason: `${what} ${JSON.stringify(id)} is not hex`, offset: 0 }))

/**
 * The offset message id of a stored message (Java: `MessageDecoder.createMessageId`): upper-case hex of store IP
 * (4 or 16 bytes), port (i32) and commit-log offset (i64): 32 characters for IPv4, 56 for IPv6.
 *
 * @since 0.1.0
 * @category message ids
 */
export const createOffsetMessageId = (storeHost: HostAddress, commitLogOffset: number): string => {
  const ip = ipToBytesShared(storeHost.host) ?? new Uint8Array(4)
  const hostAndPort = Buffer.allocUnsafe(ip.length + 4)
  hostAndPort.set(ip, 0)
  hostAndPort.writeInt32BE(storeHost.port, ip.length)
  return offsetMessageIdOfBytes(hostAndPort, 0, hostAndPort.length, commitLogOffset)
}

/**
 * The offset message id from the raw bytes of a record: the store host's IP and port as stored, then the commit-log
 * offset. The decoder uses it to avoid turning the IP into text and back.
 *
 * @internal
 */
export const offsetMessageIdOfBytes = (
  buffer: Buffer,
  hostAt: number,
  hostLength: number,
  commitLogOffset: number
): string => {
  let id = ""
  for (let i = hostAt; i < hostAt + hostLength; i++) id += HEX[buffer[i]!]
  const hi = Math.floor(commitLogOffset / TWO_32)
  return id + hex32(hi) + hex32(commitLogOffset - hi * TWO_32)
}

/** Upper-case hex of every byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"))
const hex32 = (n: number): string =>
  HEX[(n >>> 24) & 0xff]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!

/**
 * The store host and commit-log offset of an offset message id (Java: `MessageDecoder.decodeMessageId`).
 *
 * @since 0.1.0
 * @category message ids
 */
export const decodeOffsetMessageId = (
  id: string
): Either.Either<{ readonly storeHost: HostAddress; readonly commitLogOffset: number }, ProtocolError> =>
  Either.flatMap(fromHex(id, "offset message id"), (bytes) => {
    if (bytes.length !== 16 && bytes.length !== 28) {
      return Either.left(
        new ProtocolError({ reason: `offset message id has ${id.length} characters, not 32 or 56`, offset: 0 })
      )
    }
    const ipLength = bytes.length === 16 ? 4 : 16
    const offset = bytes.readInt32BE(ipLength + 4) * TWO_32 + bytes.readUInt32BE(ipLength + 8)
    return Either.right({
      storeHost: { host: ipToString(bytes.subarray(0, ipLength)), port: bytes.readInt32BE(ipLength) },
      commitLogOffset: offset
    })
  })

/** Start of the month holding `millis`, in local time, as Java's `Calendar` computes it. */
const monthStart = (millis: number, monthDelta = 0): number => {
  const d = new Date(millis)
  return new Date(d.getFullYear(), d.getMonth() + monthDelta, 1, 0, 0, 0, 0).getTime()
}

/**
 * A generator of unique client message ids, the `UNIQ_KEY` property (Java: `MessageClientIDSetter`):
 * hex of IP (4 or 16 bytes) + pid (i16) + a per-process random number (Java: the class loader's hash, i32) +
 * milliseconds since the start of the month (i32) + a counter (i16). Time is given by the caller, so that it can
 * come from `Clock`.
 *
 * @since 0.1.0
 * @category message ids
 */
export class UniqueIdGenerator {
  private readonly prefix: string
  private counter = 0
  private start = 0
  private nextStart = 0
  private readonly buffer = Buffer.allocUnsafe(6)

  constructor(options: { readonly ip: Uint8Array; readonly pid: number; readonly salt: number }) {
    const fixed = Buffer.allocUnsafe(options.ip.length + 6)
    fixed.set(options.ip, 0)
    fixed.writeInt16BE(options.pid << 16 >> 16, options.ip.length)
    fixed.writeInt32BE(options.salt | 0, options.ip.length + 2)
    this.prefix = fixed.toString("hex").toUpperCase()
  }

  /** The next id, for a message created at `now` (epoch milliseconds). */
  next(now: number): string {
    if (now >= this.nextStart || now < this.start - 1_000_000) {
      this.start = monthStart(now)
      this.nextStart = monthStart(now, 1)
    }
    let diff = (now - this.start) | 0
    if (diff < 0 && diff > -1_000_000) diff = 0
    this.buffer.writeInt32BE(diff, 0)
    this.buffer.writeUInt16BE(this.counter, 4)
    this.counter = (this.counter + 1) & 0xffff
    return this.prefix + this.buffer.toString("hex").toUpperCase()
  }
}

/**
 * When a unique client message id was made, to the millisecond, given the current time (Java:
 * `MessageClientIDSetter.getNearlyTimeFromID`): the id holds milliseconds since a month's start, this month's when
 * that is not in the future, else last month's.
 *
 * @since 0.1.0
 * @category message ids
 */
export const uniqueIdTimestamp = (id: string, now: number): Either.Either<number, ProtocolError> =>
  Either.flatMap(fromHex(id, "unique message id"), (bytes) => {
    if (bytes.length !== 16 && bytes.length !== 28) {
      return Either.left(
        new ProtocolError({ reason: `unique message id has ${id.length} characters, not 32 or 56`, offset: 0 })
      )
    }
    const ipLength = bytes.length === 28 ? 16 : 4
    const span = bytes.readUInt32BE(ipLength + 6)
    const thisMonth = monthStart(now)
    return Either.right(thisMonth + span >= now ? monthStart(now, -1) + span : thisMonth + span)
  })

/**
 * The IP address inside a unique client message id (Java: `MessageClientIDSetter.getIPStrFromID`).
 *
 * @since 0.1.0
 * @category message ids
 */
export const uniqueIdHost = (id: string): Either.Either<string, ProtocolError> =>
  Either.map(fromHex(id, "unique message id"), (bytes) => ipToString(bytes.subarray(0, bytes.length === 28 ? 16 : 4)))
