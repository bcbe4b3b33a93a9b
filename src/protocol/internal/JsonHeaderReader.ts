/**
 * Reads a command's JSON header straight from bytes, for the shape fastjson writes: no whitespace, integer numbers,
 * ASCII strings, `extFields` an object of strings. It gives the same command as `JSON.parse` and the checks after
 * it; on anything else (whitespace, non-ASCII text, an unknown field, a null, malformed JSON) it answers undefined
 * and the caller takes that general path, which also explains the errors.
 *
 * Short strings (keys, group and topic names, small numbers) come from a small cache, so most headers allocate only
 * their distinct values.
 */
import { isLanguageName, type LanguageName } from "../LanguageCode.js"

const CACHE_SLOTS = 1024
const cache: Array<string | undefined> = new Array(CACHE_SLOTS).fill(undefined)

/** Unescaped string bytes are gathered here before becoming one flat string. */
let scratch = Buffer.allocUnsafeSlow(4096)

/** A string of the ASCII bytes [start, end); `hash` is over those bytes. */
const ascii = (bytes: Buffer, start: number, end: number, hash: number): string => {
  const n = end - start
  if (n === 1) return String.fromCharCode(bytes[start]!)
  if (n > 32) return bytes.toString("latin1", start, end)
  const slot = (hash ^ n) & (CACHE_SLOTS - 1)
  const cached = cache[slot]
  if (cached !== undefined && cached.length === n) {
    let i = 0
    while (i < n && cached.charCodeAt(i) === bytes[start + i]) i++
    if (i === n) return cached
  }
  const text = bytes.toString("latin1", start, end)
  cache[slot] = text
  return text
}

const hexDigit = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1

/** The reader's position; the functions below move it (one reader runs at a time: decoding is synchronous). */
let at = 0

/** A string starting at its opening quote at `at`, or undefined when it is not plain ASCII JSON. */
const string = (bytes: Buffer, end: number): string | undefined => {
  const start = at + 1
  let p = start
  let hash = 0
  while (p < end) {
    const c = bytes[p]!
    if (c === 34) {
      at = p + 1
      return ascii(bytes, start, p, hash)
    }
    if (c === 92) return escaped(bytes, start, end)
    if (c < 0x20 || c >= 0x80) return undefined
    hash = (Math.imul(hash, 31) + c) | 0
    p++
  }
  return undefined
}

/** A string with escapes, unescaped into the scratch buffer and then made one string. */
const escaped = (bytes: Buffer, start: number, end: number): string | undefined => {
  if (scratch.length < end - start) scratch = Buffer.allocUnsafeSlow(2 * (end - start))
  let n = 0
  let p = start
  while (p < end) {
    let c = bytes[p++]!
    if (c === 34) {
      at = p
      return scratch.toString("latin1", 0, n)
    }
    if (c < 0x20 || c >= 0x80) return undefined
    if (c === 92) {
      if (p >= end) return undefined
      const e = bytes[p++]!
      if (e === 34 || e === 92 || e === 47) c = e
      else if (e === 110) c = 10
      else if (e === 116) c = 9
      else if (e === 114) c = 13
      else if (e === 98) c = 8
      else if (e === 102) c = 12
      else if (e === 117 && p + 4 <= end) {
        const code = (hexDigit(bytes[p]!) << 12) | (hexDigit(bytes[p + 1]!) << 8) | (hexDigit(bytes[p + 2]!) << 4) |
          hexDigit(bytes[p + 3]!)
        // A negative digit makes the code negative; only ASCII escapes are taken here.
        if (code < 0 || code >= 0x80) return undefined
        c = code
        p += 4
      } else return undefined
    }
    scratch[n++] = c
  }
  return undefined
}

/** A JSON integer at `at` (no fraction, exponent or leading zero; at most 15 digits), or undefined. */
const integer = (bytes: Buffer, end: number): number | undefined => {
  let p = at
  const negative = bytes[p] === 45
  if (negative) p++
  const start = p
  let value = 0
  while (p < end) {
    const c = bytes[p]!
    if (c < 48 || c > 57) break
    value = value * 10 + (c - 48)
    p++
  }
  const digits = p - start
  if (digits === 0 || digits > 15 || (digits > 1 && bytes[start] === 48)) return undefined
  at = p
  return negative ? -value : value
}

/** `extFields` at `at` (its opening brace): an object of strings, or undefined. */
const stringMap = (bytes: Buffer, end: number): Record<string, string> | undefined => {
  at++
  const map: Record<string, string> = {}
  if (bytes[at] === 125) {
    at++
    return map
  }
  for (;;) {
    if (bytes[at] !== 34) return undefined
    const key = string(bytes, end)
    // "__proto__" would set the prototype rather than a field: the general path keeps it as JSON.parse does.
    if (key === undefined || key === "__proto__" || bytes[at++] !== 58 || bytes[at] !== 34) return undefined
    const value = string(bytes, end)
    if (value === undefined) return undefined
    map[key] = value
    const next = bytes[at++]
    if (next === 125) return map
    if (next !== 44) return undefined
  }
}

/** The header fields read from JSON (`RemotingCommand` without body and serialize type). */
export interface JsonHeader {
  readonly code: number
  readonly language: LanguageName
  readonly version: number
  readonly opaque: number
  readonly flag: number
  readonly remark: string | undefined
  readonly extFields: Record<string, string> | undefined
}

/** The top-level fields of a header, and the text of their names. */
const enum Field {
  Unknown,
  Code,
  ExtFields,
  Flag,
  Language,
  Opaque,
  Remark,
  SerializeType,
  Version
}

const NAME_CODE = Buffer.from("code")
const NAME_EXT_FIELDS = Buffer.from("extFields")
const NAME_FLAG = Buffer.from("flag")
const NAME_LANGUAGE = Buffer.from("language")
const NAME_OPAQUE = Buffer.from("opaque")
const NAME_REMARK = Buffer.from("remark")
const NAME_SERIALIZE_TYPE = Buffer.from("serializeTypeCurrentRPC")
const NAME_VERSION = Buffer.from("version")
const NAME_JAVA = Buffer.from("JAVA")

/** Whether bytes from `start` spell `name`. */
const spells = (bytes: Buffer, start: number, name: Uint8Array): boolean => {
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false
  return true
}

/** The top-level field whose quoted name is at `at`, read without making a string; `at` moves past the name. */
const field = (bytes: Buffer, end: number): Field => {
  const start = at + 1
  let p = start
  while (p < end && bytes[p] !== 34) p++
  if (p >= end) return Field.Unknown
  at = p + 1
  switch (p - start) {
    case 4:
      return spells(bytes, start, NAME_CODE) ? Field.Code : spells(bytes, start, NAME_FLAG) ? Field.Flag : Field.Unknown
    case 6:
      return spells(bytes, start, NAME_OPAQUE)
        ? Field.Opaque
        : spells(bytes, start, NAME_REMARK)
        ? Field.Remark
        : Field.Unknown
    case 7:
      return spells(bytes, start, NAME_VERSION) ? Field.Version : Field.Unknown
    case 8:
      return spells(bytes, start, NAME_LANGUAGE) ? Field.Language : Field.Unknown
    case 9:
      return spells(bytes, start, NAME_EXT_FIELDS) ? Field.ExtFields : Field.Unknown
    case 23:
      return spells(bytes, start, NAME_SERIALIZE_TYPE) ? Field.SerializeType : Field.Unknown
    default:
      return Field.Unknown
  }
}

/** The language named by the string at `at`; "JAVA", the usual one, without making a string. */
const language = (bytes: Buffer, end: number): LanguageName | undefined => {
  if (at + 6 <= end && bytes[at + 5] === 34 && spells(bytes, at + 1, NAME_JAVA)) {
    at += 6
    return "JAVA"
  }
  const name = string(bytes, end)
  return name !== undefined && isLanguageName(name) ? name : undefined
}

/** Reads the JSON header in bytes [start, end), or answers undefined for the general path. */
export const readJsonHeader = (bytes: Buffer, start: number, end: number): JsonHeader | undefined => {
  at = start
  if (bytes[at++] !== 123) return undefined
  let code: number | undefined
  let lang: LanguageName = "JAVA"
  let version = 0
  let opaque = 0
  let flag = 0
  let remark: string | undefined
  let extFields: Record<string, string> | undefined
  if (bytes[at] === 125) return undefined
  for (;;) {
    if (bytes[at] !== 34) return undefined
    const name = field(bytes, end)
    if (name === Field.Unknown || bytes[at++] !== 58) return undefined
    switch (name) {
      case Field.ExtFields: {
        if (bytes[at] !== 123) return undefined
        extFields = stringMap(bytes, end)
        if (extFields === undefined) return undefined
        break
      }
      case Field.Language: {
        if (bytes[at] !== 34) return undefined
        const value = language(bytes, end)
        if (value === undefined) return undefined
        lang = value
        break
      }
      case Field.Remark:
      case Field.SerializeType: {
        if (bytes[at] !== 34) return undefined
        const value = string(bytes, end)
        if (value === undefined) return undefined
        if (name === Field.Remark) remark = value
        break
      }
      default: {
        const value = integer(bytes, end)
        if (value === undefined) return undefined
        if (name === Field.Code) code = value
        else if (name === Field.Opaque) opaque = value
        else if (name === Field.Flag) flag = value
        else version = value
      }
    }
    const next = bytes[at++]
    if (next === 125) break
    if (next !== 44) return undefined
  }
  if (at !== end || code === undefined) return undefined
  return { code, language: lang, version, opaque, flag, remark, extFields }
}
