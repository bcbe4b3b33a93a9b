/**
 * A cursor over the bytes of one JSON text: whitespace, strings, numbers, literals, and objects and arrays checked
 * and skipped, each read straight from the bytes. What it reads is what `JSON.parse` of the UTF-8 text would give;
 * the first syntax error is kept, with its byte offset, and the reading methods answer {@link FAIL}.
 *
 * A string is made from its bytes (a short ASCII one from the memo below); a string with escapes is checked here
 * and unescaped by `JSON.parse` of its literal; objects and arrays are checked here and made by `JSON.parse` of
 * their text.
 */

/**
 * A value that did not parse (the cursor's `error` says why).
 *
 * @since 0.1.0
 * @category internal
 */
export const FAIL: unique symbol = Symbol("FAIL")

/**
 * The type of {@link FAIL}.
 *
 * @since 0.1.0
 * @category internal
 */
export type Fail = typeof FAIL

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

/**
 * Whether a byte is a decimal digit.
 *
 * @since 0.1.0
 * @category internal
 */
export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57

const describe = (c: number | undefined): string =>
  c === undefined ? "end of header" : c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`

/**
 * One reading of one JSON text: its bytes, its cursor and the first syntax error. Made for each header (decoding is
 * synchronous, and an object this small costs less than keeping one to reuse).
 *
 * @since 0.1.0
 * @category internal
 */
export class JsonCursor {
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
}
