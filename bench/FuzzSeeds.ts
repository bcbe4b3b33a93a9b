// The seeds of the fuzzers: the frames captured from real RocketMQ brokers (test/fixtures/rocketmq-*/*.jsonl, and the
// directories in FUZZ_FIXTURES, by default ../shared/fixtures next to the checkout when it exists), each distinct
// frame once, plus variants of the captured pull responses with LZ4 and Zstandard bodies and V2 records.
import * as Either from "effect/Either"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { delimiter, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { compressBody } from "../src/protocol/Compression.js"
import { decodeMessages, encodeMessageRecord, MessageMagic } from "../src/protocol/MessageDecoder.js"
import { MessageSysFlag } from "../src/protocol/MessageSysFlag.js"
import { decodeCommand, encodeCommand, type RemotingCommand } from "../src/protocol/RemotingCommand.js"

/** A captured (or derived) frame to mutate. */
export interface SeedFrame {
  /** The whole frame, length prefix included. */
  readonly bytes: Buffer
  readonly origin: string
  /** The request's code, also on a response. */
  readonly requestCode: number
  readonly response: boolean
  /** Offsets of the length, size, magic and flag fields, where a changed number does the most harm. */
  readonly fields: ReadonlyArray<number>
}

/** The offsets of the length-like fields of stored records (or batch entries) in a body starting at `at`. */
const recordFields = (frame: Buffer, at: number, batch: boolean): Array<number> => {
  const out: Array<number> = []
  let r = at
  while (r + 8 <= frame.length && out.length < 256) {
    const size = frame.readInt32BE(r)
    if (size <= 8 || r + size > frame.length) break
    if (batch) {
      out.push(r, r + 4, r + 16, r + 20 + frame.readInt32BE(r + 16))
    } else {
      const sysFlag = frame.readInt32BE(r + 36)
      const born = sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8
      const store = sysFlag & MessageSysFlag.STOREHOST_V6 ? 20 : 8
      const bodyLength = r + 48 + born + 8 + store + 12
      const topicLength = bodyLength + 4 + frame.readInt32BE(bodyLength)
      const v2 = frame.readInt32BE(r + 4) === MessageMagic.V2
      const propertiesLength = topicLength + (v2 ? 2 : 1) + (v2 ? frame.readInt16BE(topicLength) : frame[topicLength]!)
      out.push(r, r + 4, r + 36, bodyLength, topicLength, propertiesLength)
    }
    r += size
  }
  return out.filter((o) => o + 4 <= frame.length)
}

/** The length-like fields of a whole frame: the prefix, the header word, a binary header's lengths, records. */
const fieldsOf = (frame: Buffer, requestCode: number, response: boolean): Array<number> => {
  const word = frame.readInt32BE(4)
  const bodyAt = 8 + (word & 0xffffff)
  const out = [0, 4]
  if (word >>> 24 === 1) {
    out.push(13, 17, 21)
    let p = 25 + frame.readInt32BE(21)
    out.push(p)
    const extEnd = p + 4 + frame.readInt32BE(p)
    p += 4
    while (p + 2 <= extEnd) {
      out.push(p)
      p += 2 + frame.readUInt16BE(p)
      out.push(p)
      p += 4 + frame.readInt32BE(p)
    }
  }
  if (bodyAt + 8 <= frame.length) {
    const batch = !response && requestCode === 320
    const magic = frame.readInt32BE(bodyAt + 4)
    if (batch || magic === MessageMagic.V1 || magic === MessageMagic.V2) out.push(...recordFields(frame, bodyAt, batch))
  }
  return out
}

const seedOf = (bytes: Buffer, origin: string, requestCode: number): SeedFrame | undefined => {
  const command = decodeCommand(bytes)
  if (Either.isLeft(command)) return undefined
  const response = (command.right.flag & 1) === 1
  const fields = Either.getOrElse(Either.try(() => fieldsOf(bytes, requestCode, response)), () => [0, 4])
  return { bytes, origin, requestCode, response, fields }
}

/** A Zstandard frame of "hello rocketmq 5, hello zstd hello zstd hello zstd" (zstd -19, content size included). */
const ZSTD_FRAME = Buffer.from(
  "28b52ffd2432fd0000b068656c6c6f20726f636b65746d7120352c207a73746402002e8aa86186017f243c87",
  "hex"
)

/** A captured pull response with its records' bodies compressed with LZ4 or Zstandard, or written as V2 records. */
const derivedSeed = (seed: SeedFrame, kind: "LZ4" | "ZSTD" | "V2"): SeedFrame | undefined => {
  const command = Either.getOrThrow(decodeCommand(seed.bytes))
  const messages = decodeMessages(command.body ?? Buffer.alloc(0))
  if (Either.isLeft(messages) || messages.right.length === 0) return undefined
  const records = messages.right.map((m) => {
    const plain = {
      ...m,
      sysFlag: m.sysFlag & ~(MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_TYPE_COMPARATOR)
    }
    if (kind === "V2") return Either.getOrThrow(encodeMessageRecord({ ...plain, magicCode: MessageMagic.V2 }))
    const body = kind === "LZ4" ? compressBody("LZ4", m.body) : ZSTD_FRAME
    const sysFlag = plain.sysFlag | MessageSysFlag.COMPRESSED |
      (kind === "LZ4" ? MessageSysFlag.COMPRESSION_LZ4_TYPE : MessageSysFlag.COMPRESSION_ZSTD_TYPE)
    return Either.getOrThrow(encodeMessageRecord({ ...plain, sysFlag, body }))
  })
  const derived: RemotingCommand = { ...command, body: Buffer.concat(records) }
  return seedOf(encodeCommand(derived), `${kind} variant of ${seed.origin}`, seed.requestCode)
}

/** The checkout's root: the nearest directory above this module holding test/fixtures. */
const repoRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "test", "fixtures")) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

/** The directories of captured frames: test/fixtures/rocketmq-* and those of FUZZ_FIXTURES (or ../shared/fixtures). */
export const fixtureDirectories = (extra = process.env.FUZZ_FIXTURES): Array<string> => {
  const root = repoRoot()
  const roots = [
    join(root, "test", "fixtures"),
    ...(extra ?? resolve(root, "..", "shared", "fixtures")).split(delimiter)
  ]
  const dirs = roots.filter((r) => r.length > 0 && existsSync(r)).flatMap((r) => {
    const own = readdirSync(r).some((f) => f.endsWith(".jsonl")) ? [r] : []
    const subs = readdirSync(r).map((f) => join(r, f)).filter((d) => statSync(d).isDirectory())
    return [...own, ...subs.filter((d) => readdirSync(d).some((f) => f.endsWith(".jsonl")))]
  })
  return [...new Set(dirs)].sort()
}

/** Every captured frame (in file order, each distinct frame once), then the derived variants of the pull responses. */
export const loadSeeds = (directories = fixtureDirectories()): Array<SeedFrame> => {
  const seeds: Array<SeedFrame> = []
  const known = new Set<string>()
  for (const dir of directories) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()) {
      const lines = readFileSync(join(dir, file), "utf8").split("\n")
      lines.forEach((line, i) => {
        if (line.trim().length === 0) return
        const captured = JSON.parse(line) as { hex: string; requestCode: number }
        if (known.has(captured.hex)) return
        known.add(captured.hex)
        const seed = seedOf(Buffer.from(captured.hex, "hex"), `${file}:${i + 1}`, captured.requestCode)
        if (seed !== undefined) seeds.push(seed)
      })
    }
  }
  const pulls = seeds.filter((s) => s.response && [11, 361, 200050].includes(s.requestCode) && s.fields.length > 2)
  for (const seed of pulls.slice(0, 8)) {
    for (const kind of ["LZ4", "ZSTD", "V2"] as const) {
      const derived = derivedSeed(seed, kind)
      if (derived !== undefined) seeds.push(derived)
    }
  }
  return seeds
}
