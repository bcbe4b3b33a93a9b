// Random and mutated remoting frames for the fuzzers (bench/fuzz.ts and test/protocol/Codec.fuzz.test.ts): frames
// of random bytes, and the captured frames (see FuzzSeeds.ts) with one to four mutations each, from bit flips to
// odd values in the JSON header and the records' length fields. Input `index` of a run with seed `seed` depends on
// those two numbers alone, so any input can be made again from them.
import * as Either from "effect/Either"
import { MessageMagic } from "../src/protocol/MessageDecoder.js"
import type { SeedFrame } from "./FuzzSeeds.js"

/** A small seeded generator (sfc32, its state from splitmix32 of the seed and the stream). */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number
  constructor(seed: number, stream = 0) {
    let s = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) | 0
    const mix = () => {
      s = (s + 0x9e3779b9) | 0
      let z = s ^ (s >>> 16)
      z = Math.imul(z, 0x85ebca6b)
      z ^= z >>> 13
      z = Math.imul(z, 0xc2b2ae35)
      return (z ^ (z >>> 16)) | 0
    }
    this.a = mix()
    this.b = mix()
    this.c = mix()
    this.d = mix() | 1
    for (let i = 0; i < 8; i++) this.next()
  }
  /** A uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.next() / 4294967296) * n)
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p
  }
  pick<A>(items: ReadonlyArray<A>): A {
    return items[this.int(items.length)]!
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff
    return out
  }
}

/** One generated input: its bytes, the seed frame it came from (none for a random frame) and what was done. */
export interface FuzzFrame {
  readonly bytes: Buffer
  readonly seed: SeedFrame | undefined
  readonly how: string
}

const INT32S = [0, 1, -1, 2, 4, 8, 22, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 0xffffff, 0x1000000]
  .concat([0x7fffffff, -0x80000000, -2, -128, -32768, 0x01000000 | 20, MessageMagic.V1, MessageMagic.V2])
const SYSFLAGS = [0x1, 0x101, 0x201, 0x301, 0x401, 0x701, 0x10, 0x20, 0x30, 0x31, 0x331, 0x80, -1]
const BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3a, 0x01, 0x02, 0xc0, 0xed, 0xf4]
const JSON_TOKENS = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\"code\"", "\"flag\"", "\"opaque\"", "\"extFields\""]
  .concat(["\"remark\"", "\"language\"", "\"version\"", "\"serializeTypeCurrentRPC\"", "\"JAVA\"", "\"CPP\"", "null"])
  .concat(["true", "false", "0", "-1", "1.5", "1e309", "-0", "2147483648", "9007199254740993", "\"\\u0000\""])
  .concat(["\"\\ud800\"", "\"__proto__\"", "\"constructor\"", " ", "\t", "é", "\u{1F600}", "{\"a\":", "[[[["])
const EXT_KEYS = ["topic", "queueId", "queueOffset", "sysFlag", "consumerGroup", "producerGroup", "msgId", "offset"]
  .concat(["offsetMsgId", "transactionId", "commitLogOffset", "maxMsgNums", "nextBeginOffset", "suggestWhichBrokerId"])
  .concat(["a", "b", "d", "e", "f", "g", "i", "j", "k", "m", "n", "timestamp", "group", "clientID", "__proto__"])
const EXT_VALUES: ReadonlyArray<unknown> = [
  ...["", "0", "-1", "2147483648", "-2147483649", "9223372036854775807", "9007199254740993", "1e3", "1.5", "NaN"],
  ...["Infinity", "true", "TRUE", "null", " 1", "0x1f", "+1", "-0", "\u0000", "%RETRY%g", "a".repeat(300)],
  ...["\u0001k\u0002", "\u{1F600}", "0A0000010000000000000001", "7F000001000029C40000000000000000", "C0A80001"],
  ...[0, -1, 1.5, 1e300, true, null, [], {}, { a: 1 }]
]
const HEADER_VALUES: ReadonlyArray<unknown> = [
  ...[0, -1, 1, 2, 3, 32767, 32768, 2147483647, 2147483648, -2147483649, 2 ** 53 + 2, 1.5, -0, 1e300],
  ...["1", "", true, null, [], {}]
]
const LANGUAGES: ReadonlyArray<unknown> = ["JAVA", "CPP", "GO", "RUST", "java", "", 0, 11, 12, -1, 255, 1.5, null]
const NUMBERS = ["0", "-1", "1e400", "2147483648", "-2147483649", "9007199254740993", "1.5", "0x10", "00", "-", "1e"]

/** A frame with the opaque (or the response bit) of a seed changed, before any mutation: the live peer's answers. */
const patchHeader = (frame: Buffer, field: "opaque" | "flag", value: (old: number) => number): Buffer => {
  if (frame.length < 8) return frame
  const word = frame.readInt32BE(4)
  const headerEnd = 8 + (word & 0xffffff)
  if (word >>> 24 === 1) {
    const at = field === "opaque" ? 13 : 17
    if (headerEnd >= at + 4 && frame.length >= at + 4) frame.writeInt32BE(value(frame.readInt32BE(at)) | 0, at)
    return frame
  }
  const header = frame.toString("latin1", 8, Math.min(headerEnd, frame.length))
  const match = new RegExp(`"${field}":(-?\\d+)`).exec(header)
  if (match === null) return frame
  const text = `"${field}":${value(Number(match[1])) | 0}`
  const start = 8 + match.index
  const out = Buffer.concat([
    frame.subarray(0, start),
    Buffer.from(text, "latin1"),
    frame.subarray(start + match[0].length)
  ])
  out.writeInt32BE(out.length - 4, 0)
  out.writeInt32BE((word & ~0xffffff) | ((word & 0xffffff) + text.length - match[0].length), 4)
  return out
}

type Mutation = (rng: Rng, frame: Buffer, seed: SeedFrame, seeds: ReadonlyArray<SeedFrame>) => Buffer

const at = (rng: Rng, frame: Buffer, width: number) => rng.int(Math.max(1, frame.length - width + 1))

/** A JSON header changed as a value: fields set to odd values, removed or added; the result still parses. */
const jsonValue: Mutation = (rng, f) => {
  if (f.length < 8 || f[4] !== 0) return f
  const end = 8 + f.readInt32BE(4)
  if (end > f.length) return f
  const header = Either.getOrUndefined(Either.try(() => JSON.parse(f.toString("utf8", 8, end)) as unknown))
  if (typeof header !== "object" || header === null || Array.isArray(header)) return f
  const h = header as Record<string, unknown>
  if (typeof h.extFields !== "object" || h.extFields === null) h.extFields = {}
  const ext = h.extFields as Record<string, unknown>
  const keys = Object.keys(ext)
  const roll = rng.int(7)
  if (roll === 0) h[rng.pick(["code", "flag", "opaque", "version"])] = rng.pick(HEADER_VALUES)
  else if (roll === 1) h.language = rng.pick(LANGUAGES)
  else if (roll === 2) h[rng.pick(["remark", "extFields", "serializeTypeCurrentRPC"])] = rng.pick(EXT_VALUES)
  else if (roll === 3 && keys.length > 0) delete ext[rng.pick(keys)]
  else if (roll === 4) delete h[rng.pick(["code", "flag", "opaque", "version", "language", "extFields"])]
  else ext[keys.length > 0 && rng.chance(0.7) ? rng.pick(keys) : rng.pick(EXT_KEYS)] = rng.pick(EXT_VALUES)
  const text = Buffer.from(JSON.stringify(h), "utf8")
  const out = Buffer.concat([f.subarray(0, 8), text, f.subarray(end)])
  out.writeInt32BE(out.length - 4, 0)
  out.writeInt32BE(text.length, 4)
  return out
}

const mutations: ReadonlyArray<readonly [string, number, Mutation]> = [
  ["json value", 22, jsonValue],
  ["body flip", 8, (rng, f) => {
    if (f.length < 8) return f
    const bodyAt = 8 + (f.readInt32BE(4) & 0xffffff)
    for (let n = 1 + rng.int(3); n > 0 && bodyAt < f.length; n--) {
      f[bodyAt + rng.int(f.length - bodyAt)]! ^= 1 << rng.int(8)
    }
    return f
  }],
  ["flip", 8, (rng, f) => {
    for (let n = 1 + rng.int(4); n > 0 && f.length > 0; n--) f[rng.int(f.length)]! ^= 1 << rng.int(8)
    return f
  }],
  ["byte", 6, (rng, f) => {
    if (f.length > 0) f[rng.int(f.length)] = rng.chance(0.5) ? rng.pick(BYTES) : rng.next() & 0xff
    return f
  }],
  ["int", 6, (rng, f) => {
    if (f.length < 4) return f
    const i = at(rng, f, 4)
    if (rng.chance(0.3)) f.writeInt16BE(rng.pick(INT32S) << 16 >> 16, Math.min(i, f.length - 2))
    else f.writeInt32BE(rng.chance(0.7) ? rng.pick(INT32S) : rng.next() | 0, i)
    return f
  }],
  ["field", 14, (rng, f, seed) => {
    const fields = seed.fields.filter((o) => o + 4 <= f.length)
    if (fields.length === 0) return f
    const o = rng.pick(fields)
    const old = f.readInt32BE(o)
    const choice = rng.int(5)
    const value = choice === 0 ? old + rng.int(9) - 4 : choice === 1 ?
      rng.pick(SYSFLAGS) | (old & 0x30)
      : choice === 2
      ? old ^ (1 << rng.int(32))
      : choice === 3
      ? f.length - o + rng.int(9) - 4
      : rng.pick(INT32S)
    if (rng.chance(0.2) && o + 2 <= f.length) f.writeInt16BE(value << 16 >> 16, o)
    else f.writeInt32BE(value | 0, o)
    return f
  }],
  ["truncate", 5, (rng, f) => f.subarray(0, rng.int(f.length + 1))],
  [
    "extend",
    4,
    (rng, f) => Buffer.concat([f, rng.chance(0.5) ? rng.bytes(1 + rng.int(64)) : f.subarray(at(rng, f, 0))])
  ],
  ["delete", 4, (rng, f) => {
    const i = rng.int(f.length + 1)
    return Buffer.concat([f.subarray(0, i), f.subarray(Math.min(f.length, i + 1 + rng.int(16)))])
  }],
  ["insert", 4, (rng, f) => {
    const i = rng.int(f.length + 1)
    const piece = rng.chance(0.5) ? rng.bytes(1 + rng.int(16)) : f.subarray(rng.int(f.length + 1)).subarray(0, 32)
    return Buffer.concat([f.subarray(0, i), piece, f.subarray(i)])
  }],
  ["splice", 3, (rng, f, _, seeds) => {
    const other = rng.pick(seeds).bytes
    return Buffer.concat([f.subarray(0, rng.int(f.length + 1)), other.subarray(rng.int(other.length + 1))])
  }],
  ["json", 10, (rng, f) => {
    if (f.length < 9 || f[4] !== 0) return f
    const end = Math.min(f.length, 8 + f.readUInt16BE(6) + (f[5]! << 16))
    if (end <= 8) return f
    let i = 8 + rng.int(end - 8)
    let j = i
    const digit = (c: number | undefined) => c !== undefined && ((c >= 0x30 && c <= 0x39) || c === 0x2d)
    let text: string
    if (digit(f[i])) {
      while (i > 8 && digit(f[i - 1])) i--
      while (j < end && digit(f[j])) j++
      text = rng.pick(NUMBERS)
    } else {
      if (rng.chance(0.5)) j = Math.min(end, i + 1 + rng.int(4))
      text = rng.chance(0.02) ? "[".repeat(1 + rng.int(20_000)) : rng.pick(JSON_TOKENS)
    }
    const piece = Buffer.from(text, "utf8")
    const out = Buffer.concat([f.subarray(0, i), piece, f.subarray(j)])
    if (rng.chance(0.9)) out.writeInt32BE(f.readInt32BE(4) + piece.length - (j - i), 4)
    return out
  }]
]
const totalWeight = mutations.reduce((sum, [, w]) => sum + w, 0)

const pickMutation = (rng: Rng): readonly [string, number, Mutation] => {
  let roll = rng.int(totalWeight)
  for (const m of mutations) {
    roll -= m[1]
    if (roll < 0) return m
  }
  return mutations[0]!
}

/** A frame of random bytes: wholly random, or a plausible prefix and header word (JSON or binary) before them. */
const randomFrame = (rng: Rng): FuzzFrame => {
  const kind = rng.int(4)
  let body: Buffer
  if (kind === 0) body = rng.bytes(rng.int(512))
  else if (kind === 1) {
    body = Buffer.concat([Buffer.alloc(4), rng.bytes(rng.int(256))])
    body.writeInt32BE(((rng.int(3) << 24) | rng.int(body.length + 8)) | 0, 0)
  } else if (kind === 2) {
    const tokens = Array.from({ length: rng.int(40) }, () => rng.pick(JSON_TOKENS)).join("")
    const header = Buffer.from(`{${tokens}`, "utf8")
    body = Buffer.concat([Buffer.alloc(4), header, rng.bytes(rng.int(32))])
    body.writeInt32BE(header.length, 0)
  } else {
    body = rng.bytes(21 + rng.int(64))
    body.writeInt32BE(body.length - 4 + (rng.chance(0.5) ? 0 : rng.int(8) - 4), 0)
    body[0] = 1
    body.writeInt32BE(rng.pick(INT32S), 13)
    if (body.length >= 21) body.writeInt32BE(rng.chance(0.5) ? 0 : rng.pick(INT32S), 17)
  }
  const bytes = Buffer.concat([Buffer.alloc(4), body])
  bytes.writeInt32BE(rng.chance(0.9) ? body.length : rng.pick(INT32S), 0)
  return { bytes, seed: undefined, how: `random(${kind})` }
}

/**
 * Input `index` of the run `seed`: 5% random frames, 3% seeds as captured, the rest a seed with one to four mutations,
 * its length prefix then set to match in 80% of them (so that a stream stays in step). With `opaque`, the seed is first
 * given that opaque and, nine times in ten, the response bit: what the live peer answers a request with.
 */
export const fuzzFrame = (seeds: ReadonlyArray<SeedFrame>, seed: number, index: number, opaque?: number): FuzzFrame => {
  const rng = new Rng(seed, index)
  const roll = rng.int(100)
  if (roll < 5) return randomFrame(rng)
  const from = rng.pick(seeds)
  let bytes: Buffer = Buffer.from(from.bytes)
  if (opaque !== undefined) {
    bytes = patchHeader(bytes, "opaque", () => opaque)
    if (rng.chance(0.9)) bytes = patchHeader(bytes, "flag", (flag) => flag | 1)
  }
  if (roll < 8) return { bytes, seed: from, how: `${from.origin} as captured` }
  const done: Array<string> = []
  for (let n = rng.chance(0.65) ? 1 : 2 + rng.int(3); n > 0; n--) {
    const [name, , mutate] = pickMutation(rng)
    bytes = mutate(rng, bytes, from, seeds)
    done.push(name)
  }
  if (bytes.length >= 4 && rng.chance(0.8)) {
    bytes.writeInt32BE(bytes.length - 4, 0)
    done.push("prefix")
  }
  return { bytes, seed: from, how: `${from.origin}: ${done.join(", ")}` }
}

/** Whether a frame's length prefix matches its length (a stream of such frames stays in step). */
export const inStep = (frame: Buffer): boolean => frame.length >= 4 && frame.readInt32BE(0) === frame.length - 4
