/**
 * Writes a command's JSON header straight to bytes, the same bytes `JSON.stringify` and a UTF-8 encode would give
 * (fields in fastjson's alphabetical order, undefined fields left out), in one pass with no intermediate string.
 * It handles the common case, ASCII text; anything else (a non-ASCII character, a value that is not a string, a
 * header that does not fit) makes it answer -1 and the caller falls back to `JSON.stringify`.
 */

const HEX = "0123456789abcdef"

/** Short escapes of `JSON.stringify` for control characters; 0 where it writes `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(32)
SHORT_ESCAPE[8] = 98 // \b
SHORT_ESCAPE[9] = 116 // \t
SHORT_ESCAPE[10] = 110 // \n
SHORT_ESCAPE[12] = 102 // \f
SHORT_ESCAPE[13] = 114 // \r

/** Writes ASCII text known to need no escaping; returns the next position. */
const ascii = (out: Uint8Array, p: number, text: string): number => {
  for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i)
  return p
}

/** Writes `text` as a JSON string literal; returns the next position, or -1 for a non-ASCII text or no room. */
const string = (out: Uint8Array, p: number, text: unknown): number => {
  if (typeof text !== "string" || p + 6 * text.length + 2 > out.length) return -1
  out[p++] = 34
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x20 && c < 0x80) {
      if (c === 34 || c === 92) out[p++] = 92
      out[p++] = c
    } else if (c < 0x20) {
      out[p++] = 92
      const short = SHORT_ESCAPE[c]!
      if (short !== 0) out[p++] = short
      else {
        out[p++] = 117
        out[p++] = 48
        out[p++] = 48
        out[p++] = HEX.charCodeAt(c >> 4)
        out[p++] = HEX.charCodeAt(c & 15)
      }
    } else return -1
  }
  out[p++] = 34
  return p
}

/** Writes an integer; returns the next position, or -1 for a number JSON would not write as digits. */
const integer = (out: Uint8Array, p: number, n: number): number => {
  if (!Number.isSafeInteger(n) || p + 24 > out.length) return -1
  if (n < 0 || n > 0x7fffffff || Object.is(n, -0)) return ascii(out, p, String(n))
  // Small non-negative integers (codes, flags, opaques, versions): digits written from the right.
  let digits = 1
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++
  let q = p + digits
  let rest = n
  do {
    out[--q] = 48 + (rest % 10)
    rest = (rest / 10) | 0
  } while (rest > 0)
  return p + digits
}

/** The header fields it reads: those of `RemotingCommand`. */
export interface JsonHeaderFields {
  readonly code: number
  readonly language: string
  readonly version: number
  readonly opaque: number
  readonly flag: number
  readonly remark?: string | undefined
  readonly extFields?: { readonly [x: string]: string } | undefined
}

/**
 * Writes the JSON header of `command` into `out` from position 0; returns its byte length, or -1 when the caller
 * must use `JSON.stringify` instead (see the module comment).
 */
export const writeJsonHeader = (out: Uint8Array, command: JsonHeaderFields): number => {
  let p = ascii(out, 0, "{\"code\":")
  p = integer(out, p, command.code)
  if (p < 0) return -1
  const ext = command.extFields
  if (ext !== undefined) {
    p = ascii(out, p, ",\"extFields\":{")
    let first = true
    for (const key in ext) {
      const value = ext[key]
      if (value === undefined) continue
      if (!first) out[p++] = 44
      first = false
      p = string(out, p, key)
      if (p < 0) return -1
      out[p++] = 58
      p = string(out, p, value)
      if (p < 0) return -1
    }
    out[p++] = 125
  }
  p = integer(out, ascii(out, p, ",\"flag\":"), command.flag)
  if (p < 0) return -1
  p = string(out, ascii(out, p, ",\"language\":"), command.language)
  if (p < 0) return -1
  p = integer(out, ascii(out, p, ",\"opaque\":"), command.opaque)
  if (p < 0) return -1
  if (command.remark !== undefined) {
    p = string(out, ascii(out, p, ",\"remark\":"), command.remark)
    if (p < 0) return -1
  }
  p = integer(out, ascii(out, p, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":"), command.version)
  if (p < 0) return -1
  out[p++] = 125
  return p
}
