/**
 * Reads a command's JSON header straight from its bytes, the one way every JSON header is read. It takes any JSON
 * (whitespace, escapes, UTF-8 text, fields it does not know, repeated fields: the last one counts) and gives what
 * `JSON.parse` of the UTF-8 text and the checks of `RemotingCommand` would give, or the reason it is refused.
 *
 * The usual header, the shape fastjson writes (no whitespace, integer numbers, ASCII strings, `extFields` an object of
 * strings), is read without making a string of anything but its values; top-level names are matched as bytes.
 * A string with escapes is checked here and unescaped by `JSON.parse` of its literal; values of unusual kinds (an
 * object in `extFields`, an unknown field's array) are checked here and made by `JSON.parse` of their text.
 */
import { isLanguageName, type LanguageName, languageOfCode } from "../LanguageCode.js"

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

/** Why a header was refused; `syntax` when it is not JSON at all. */
export interface JsonHeaderError {
  readonly _tag: "JsonHeaderError"
  readonly reason: string
}

const refused = (reason: string): JsonHeaderError => ({ _tag: "JsonHeaderError", reason })

/** A value that did not parse (the reader's `error` says why). */
const FAIL: unique symbol = Symbol("FAIL")
type Fail = typeof FAIL

/** The top-level fields of a header. */
const enum Field {
  Unknown,
  Code,
  ExtFields,
  Flag,
  Language,
  Opaque,
  Remark,
  Version
}

const NAME_CODE = Buffer.from("code")
const NAME_EXT_FIELDS = Buffer.from("extFields")
const NAME_FLAG = Buffer.from("flag")
const NAME_LANGUAGE = Buffer.from("language")
const NAME_OPAQUE = Buffer.from("opaque")
const NAME_REMARK = Buffer.from("remark")
const NAME_VERSION = Buffer.from("version")
const NAME_JAVA = Buffer.from("JAVA")

const fieldOfName = (name: string): Field =>
  name === "code"
    ? Field.Code
    : name === "extFields"
    ? Field.ExtFields
    : name === "flag"
    ? Field.Flag
    : name === "language"
    ? Field.Language
    : name === "opaque"
    ? Field.Opaque
    : name === "remark"
    ? Field.Remark
    : name === "version"
    ? Field.Version
    : Field.Unknown

const fromCharCode = String.fromCharCode

const CACHE_SLOTS = 1024

/**
 * Short strings already made (keys, group and topic names, numbers), by a hash of their bytes: most headers make
 * only their new values. A memo, not state: what is read does not depend on it.
 * Kept for bench/embedded.ts (send 128 B: 5,413 vs 4,367 msg/s without it, medians of 3; less garbage collected).
 */
const recent: Array<string | undefined> = new Array(CACHE_SLOTS).fill(undefined)

/** The ASCII bytes [start, end) as a string; `hash` is over those bytes. */
const ascii = (bytes: Buffer, start: number, end: number, hash: number): string => {
  const n = end - start
  if (n === 1) return fromCharCode(bytes[start]!)
  if (n > 32) return bytes.toString("latin1", start, end)
  const slot = (hash ^ n) & (CACHE_SLOTS - 1)
  const cached = recent[slot]
  if (cached !== undefined && cached.length === n) {
    let i = 0
    while (i < n && cached.charCodeAt(i) === bytes[start + i]) i++
    if (i === n) return cached
  }
  const text = bytes.toString("latin1", start, end)
  recent[slot] = text
  return text
}

/** A hex digit's value, or -1. */
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57

const describe = (c: number | undefined): string =>
  c === undefined ? "end of header" : c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`

/** Whether bytes from `start` spell `name`. */
const spells = (bytes: Buffer, start: number, name: Uint8Array): boolean => {
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name[i]) return false
  return true
}

/** `extFields` values as `RemotingCommand` keeps them: strings; numbers and booleans as text; objects as JSON. */
const extValue = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : value === null
    ? undefined
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value)

/** An integer header field as `RemotingCommand` takes it: a JSON integer, or a string of decimal digits. */
const toInt = (value: unknown, what: string): number | JsonHeaderError =>
  typeof value === "number" && Number.isInteger(value)
    ? value
    : typeof value === "string" && /^-?\d+$/.test(value)
    ? Number(value)
    : refused(`header field ${what} is not an integer: ${JSON.stringify(value)}`)

/**
 * One reading of one header: its bytes, its cursor and the first syntax error. Made for each header (decoding is
 * synchronous, and an object this small costs less than keeping one to reuse).
 */
class Reader {
  error: string | undefined = undefined
  readonly start: number
  constructor(readonly bytes: Buffer, public at: number, readonly end: number) {
    this.start = at
  }

  fail(what: string): Fail {
    if (this.error === undefined) this.error = `${what} at byte ${this.at - this.start} of the header`
    return FAIL
  }

  unexpected(): Fail {
    return this.fail(`unexpected ${describe(this.at < this.end ? this.bytes[this.at] : undefined)}`)
  }

  /** The byte at the cursor after whitespace, or undefined at the end. */
  peek(): number | undefined {
    const c = this.bytes[this.at]!
    return c > 32 && this.at < this.end ? c : this.skipWhitespace()
  }

  skipWhitespace(): number | undefined {
    const bytes = this.bytes
    let at = this.at
    while (at < this.end) {
      const c = bytes[at]!
      if (c > 32 || (c !== 32 && c !== 9 && c !== 10 && c !== 13)) {
        this.at = at
        return c
      }
      at++
    }
    this.at = at
    return undefined
  }

  /** Takes `c` (after whitespace), or fails. */
  expect(c: number): boolean {
    if (this.peek() !== c) return (this.unexpected(), false)
    this.at++
    return true
  }

  /** A string at its opening quote. */
  string(): string | Fail {
    const bytes = this.bytes
    const end = this.end
    const start = this.at + 1
    let p = start
    let hash = 0
    let plain = true
    while (p < end) {
      const c = bytes[p]!
      if (c === 34) {
        this.at = p + 1
        return plain ? ascii(bytes, start, p, hash) : bytes.toString("utf8", start, p)
      }
      if (c === 92) return this.escaped(start, p, plain)
      if (c < 0x20) {
        this.at = p
        return this.fail("control character in a string")
      }
      if (c >= 0x80) plain = false
      hash = (Math.imul(hash, 31) + c) | 0
      p++
    }
    this.at = p
    return this.fail("unterminated string")
  }

  /**
   * The rest of a string whose first escape is at `p`: checked here, unescaped by JSON.parse of its literal (no
   * buffer to keep between headers; it costs more than unescaping into one, about a tenth of reading a
   * SEND_MESSAGE_V2 header, whose properties have escapes).
   */
  escaped(start: number, p: number, plain: boolean): string | Fail {
    const bytes = this.bytes
    const end = this.end
    while (p < end) {
      const c = bytes[p]!
      if (c === 34) {
        this.at = p + 1
        return JSON.parse(bytes.toString(plain ? "latin1" : "utf8", start - 1, p + 1)) as string
      }
      if (c < 0x20) {
        this.at = p
        return this.fail("control character in a string")
      }
      if (c === 92) {
        const e = p + 1 < end ? bytes[p + 1] : undefined
        if (e === 117) {
          if (
            p + 6 > end ||
            (hexValue(bytes[p + 2]!) | hexValue(bytes[p + 3]!) | hexValue(bytes[p + 4]!) | hexValue(bytes[p + 5]!)) < 0
          ) {
            this.at = p
            return this.fail("bad \\u escape")
          }
          p += 6
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
          p += 2
        } else {
          this.at = p
          return this.fail("bad escape")
        }
      } else {
        if (c >= 0x80) plain = false
        p++
      }
    }
    this.at = p
    return this.fail("unterminated string")
  }

  /** A number: plain integers of up to 15 digits read here, any other JSON number by `Number` of its text. */
  number(): number | Fail {
    const bytes = this.bytes
    const end = this.end
    const start = this.at
    let p = start
    const negative = bytes[p] === 45
    if (negative) p++
    const digitsStart = p
    let value = 0
    while (p < end) {
      const c = bytes[p]!
      if (c < 48 || c > 57) break
      value = value * 10 + (c - 48)
      p++
    }
    const digits = p - digitsStart
    if (digits === 0 || (digits > 1 && bytes[digitsStart] === 48)) {
      this.at = digitsStart
      return this.fail("bad number")
    }
    let exact = digits <= 15
    if (p < end && bytes[p] === 46) {
      p++
      if (p >= end || !isDigit(bytes[p])) {
        this.at = p
        return this.fail("bad number")
      }
      while (p < end && isDigit(bytes[p])) p++
      exact = false
    }
    if (p < end && (bytes[p] === 101 || bytes[p] === 69)) {
      p++
      if (p < end && (bytes[p] === 43 || bytes[p] === 45)) p++
      if (p >= end || !isDigit(bytes[p])) {
        this.at = p
        return this.fail("bad number")
      }
      while (p < end && isDigit(bytes[p])) p++
      exact = false
    }
    this.at = p
    return exact ? (negative ? -value : value) : Number(bytes.toString("latin1", start, p))
  }

  /** `true`, `false` or `null` at the cursor. */
  literal(): boolean | null | Fail {
    const c = this.bytes[this.at]
    const [text, value] = c === 116 ? ["true", true] : c === 102 ? ["false", false] : ["null", null]
    if (this.at + text.length > this.end || this.bytes.toString("latin1", this.at, this.at + text.length) !== text) {
      return this.unexpected()
    }
    this.at += text.length
    return value
  }

  /** Any JSON value (after whitespace). Objects and arrays are checked here and made by JSON.parse of their text. */
  value(): unknown {
    const c = this.peek()
    if (c === 34) return this.string()
    if (c === 45 || isDigit(c)) return this.number()
    if (c === 116 || c === 102 || c === 110) return this.literal()
    if (c === 123 || c === 91) {
      const start = this.at
      return this.skipContainer() ? JSON.parse(this.bytes.toString("utf8", start, this.at)) : FAIL
    }
    return this.unexpected()
  }

  /** Checks the object or array at the cursor and moves past it, with no recursion (nesting may be deep). */
  skipContainer(): boolean {
    const closers: Array<number> = []
    for (;;) {
      // At the start of a value.
      const c = this.peek()
      if (c === 123 || c === 91) {
        this.at++
        const close = c === 123 ? 125 : 93
        if (this.peek() === close) this.at++
        else {
          closers.push(close)
          if (close === 125 && !this.key()) return false
          continue
        }
      } else if (c === 34) {
        if (this.string() === FAIL) return false
      } else if (c === 45 || isDigit(c)) {
        if (this.number() === FAIL) return false
      } else if (c === 116 || c === 102 || c === 110) {
        if (this.literal() === FAIL) return false
      } else return (this.unexpected(), false)
      // After a value: a comma, or the closing of containers.
      for (;;) {
        const close = closers[closers.length - 1]
        if (close === undefined) return true
        const next = this.peek()
        if (next === 44) {
          this.at++
          if (close === 125 && !this.key()) return false
          break
        }
        if (next !== close) return (this.unexpected(), false)
        this.at++
        closers.pop()
      }
    }
  }

  /** A member's key and its colon. */
  key(): boolean {
    if (this.peek() !== 34) return (this.unexpected(), false)
    return this.string() !== FAIL && this.expect(58)
  }

  /** The top-level field whose name is at the cursor (its opening quote), moving past the name. */
  field(): Field | Fail {
    const bytes = this.bytes
    const start = this.at + 1
    let p = start
    while (p < this.end) {
      const c = bytes[p]!
      if (c === 34) break
      if (c === 92 || c < 0x20 || c >= 0x80) {
        const name = this.string()
        return name === FAIL ? FAIL : fieldOfName(name)
      }
      p++
    }
    if (p >= this.end) {
      this.at = p
      return this.fail("unterminated string")
    }
    this.at = p + 1
    switch (p - start) {
      case 4:
        return spells(bytes, start, NAME_CODE)
          ? Field.Code
          : spells(bytes, start, NAME_FLAG)
          ? Field.Flag
          : Field.Unknown
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
      default:
        return Field.Unknown
    }
  }

  /** `extFields` at its opening brace: its values made strings as `extValue` makes them. */
  stringMap(): Record<string, string> | Fail {
    const bytes = this.bytes
    const end = this.end
    this.at++
    const map: Record<string, string> = {}
    if (this.peek() === 125) {
      this.at++
      return map
    }
    for (;;) {
      // Each byte is looked at as fastjson writes it first, whitespace skipped only when it is not there.
      if ((this.at < end ? bytes[this.at] : this.peek()) !== 34 && this.peek() !== 34) return this.unexpected()
      const key = this.string()
      if (key === FAIL) return FAIL
      if (this.at < end && bytes[this.at] === 58) this.at++
      else if (!this.expect(58)) return FAIL
      let value: string | undefined
      if ((this.at < end && bytes[this.at] === 34) || this.peek() === 34) {
        const text = this.string()
        if (text === FAIL) return FAIL
        value = text
      } else {
        const any = this.value()
        if (any === FAIL) return FAIL
        value = extValue(any)
      }
      if (value === undefined) delete map[key]
      else if (key === "__proto__") {
        // A plain assignment would set the prototype; JSON.parse makes it an own property.
        Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
      } else map[key] = value
      const next = this.at < end && bytes[this.at] === 44 ? 44 : this.peek()
      if (next === 44) this.at++
      else if (next === 125) {
        this.at++
        return map
      } else return this.unexpected()
    }
  }

  /** The language named by the string at the cursor; "JAVA", the usual one, without making a string. */
  language(): string | Fail {
    const bytes = this.bytes
    if (this.at + 6 <= this.end && bytes[this.at + 5] === 34 && spells(bytes, this.at + 1, NAME_JAVA)) {
      this.at += 6
      return "JAVA"
    }
    return this.string()
  }
}

/**
 * Reads the JSON header in bytes [start, end): the header, or why it is refused (a reason starting "JSON header does
 * not parse" when it is not JSON).
 */
export const readJsonHeader = (bytes: Buffer, start: number, end: number): JsonHeader | JsonHeaderError => {
  const r = new Reader(bytes, start, end)
  // The fields as JSON.parse would leave them: the last of repeated fields counts.
  let code: unknown
  let language: unknown
  let version: unknown
  let opaque: unknown
  let flag: unknown
  let remark: unknown
  let extFields: unknown
  let object = true
  if (r.peek() !== 123) {
    object = false
    r.value()
  } else {
    r.at++
    if (r.peek() === 125) r.at++
    else {
      for (;;) {
        // Each byte is looked at as fastjson writes it first, whitespace skipped only when it is not there.
        if (!(r.at < end && bytes[r.at] === 34) && r.peek() !== 34) {
          r.unexpected()
          break
        }
        const name = r.field()
        if (name === FAIL) break
        if (r.at < end && bytes[r.at] === 58) r.at++
        else if (!r.expect(58)) break
        let value: unknown
        const c = r.at < end && bytes[r.at] > 32 ? bytes[r.at] : r.peek()
        if (name === Field.ExtFields && c === 123) value = r.stringMap()
        else if (name === Field.Language && c === 34) value = r.language()
        else if (c === 34) value = r.string()
        else if (c === 45 || isDigit(c)) value = r.number()
        else value = r.value()
        if (value === FAIL) break
        switch (name) {
          case Field.Code:
            code = value
            break
          case Field.ExtFields:
            extFields = value
            break
          case Field.Flag:
            flag = value
            break
          case Field.Language:
            language = value
            break
          case Field.Opaque:
            opaque = value
            break
          case Field.Remark:
            remark = value
            break
          case Field.Version:
            version = value
        }
        const next = r.at < end && bytes[r.at] > 32 ? bytes[r.at] : r.peek()
        if (next === 44) r.at++
        else if (next === 125) {
          r.at++
          break
        } else {
          r.unexpected()
          break
        }
      }
    }
  }
  if (r.error === undefined && r.peek() !== undefined) r.unexpected()
  if (r.error !== undefined) return refused(`JSON header does not parse: ${r.error}`)
  if (!object) return refused("JSON header is not an object")
  // The checks of RemotingCommand, in its order.
  let lang: LanguageName = "JAVA"
  if (typeof language === "string") {
    if (language !== "JAVA") {
      if (!isLanguageName(language)) return refused(`unknown language ${language}`)
      lang = language
    }
  } else if (typeof language === "number") {
    const named = languageOfCode(language)
    if (named === undefined) return refused(`unknown language code ${language}`)
    lang = named
  }
  if (extFields === null) extFields = undefined
  else if (extFields !== undefined && (typeof extFields !== "object" || Array.isArray(extFields))) {
    return refused("extFields is not an object")
  }
  if (remark === null) remark = undefined
  else if (remark !== undefined && typeof remark !== "string") return refused("remark is not a string")
  if (typeof code !== "number" || !Number.isInteger(code)) {
    code = toInt(code, "code")
    if (typeof code !== "number") return code as JsonHeaderError
  }
  if (version === undefined) version = 0
  else if (typeof version !== "number" || !Number.isInteger(version)) {
    version = toInt(version, "version")
    if (typeof version !== "number") return version as JsonHeaderError
  }
  if (opaque === undefined) opaque = 0
  else if (typeof opaque !== "number" || !Number.isInteger(opaque)) {
    opaque = toInt(opaque, "opaque")
    if (typeof opaque !== "number") return opaque as JsonHeaderError
  }
  if (flag === undefined) flag = 0
  else if (typeof flag !== "number" || !Number.isInteger(flag)) {
    flag = toInt(flag, "flag")
    if (typeof flag !== "number") return flag as JsonHeaderError
  }
  return {
    code: code as number,
    language: lang,
    version: version as number,
    opaque: opaque as number,
    flag: flag as number,
    remark: remark as string | undefined,
    extFields: extFields as Record<string, string> | undefined
  }
}
