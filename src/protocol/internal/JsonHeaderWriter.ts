/**
 * Writes a command's JSON header straight to bytes, the one way every JSON header is written: the bytes
 * `JSON.stringify` and a UTF-8 encode would give (fields in fastjson's alphabetical order, undefined fields left out,
 * `JSON.stringify`'s escapes, lone surrogates escaped), in one pass with no intermediate string. Values of other kinds
 * than the fields declare (a number in `extFields`, a fractional code) are written as `JSON.stringify` writes them.
 */

const HEX = "0123456789abcdef"

/** Short escapes of `JSON.stringify` for control characters; 0 where it writes `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(32)
SHORT_ESCAPE[8] = 98 // \b
SHORT_ESCAPE[9] = 116 // \t
SHORT_ESCAPE[10] = 110 // \n
SHORT_ESCAPE[12] = 102 // \f
SHORT_ESCAPE[13] = 114 // \r

/** Writes ASCII text known to need no escaping; returns the next position (the caller has made room). */
const ascii = (out: Uint8Array, p: number, text: string): number => {
  for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i)
  return p
}

/** Writes `\uXXXX`. */
const unicodeEscape = (out: Uint8Array, p: number, c: number): number => {
  out[p++] = 92
  out[p++] = 117
  out[p++] = HEX.charCodeAt(c >> 12)
  out[p++] = HEX.charCodeAt((c >> 8) & 15)
  out[p++] = HEX.charCodeAt((c >> 4) & 15)
  out[p++] = HEX.charCodeAt(c & 15)
  return p
}

/** Writes `text` as a JSON string literal in UTF-8; returns the next position, or -1 when `out` may be too small. */
const string = (out: Uint8Array, p: number, text: string): number => {
  // At most 6 bytes for each UTF-16 unit (an escape), and the quotes.
  if (p + 6 * text.length + 2 > out.length) return -1
  out[p++] = 34
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x20 && c < 0x80) {
      if (c === 34 || c === 92) out[p++] = 92
      out[p++] = c
    } else if (c < 0x20) {
      const short = SHORT_ESCAPE[c]!
      if (short !== 0) {
        out[p++] = 92
        out[p++] = short
      } else p = unicodeEscape(out, p, c)
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6)
      out[p++] = 0x80 | (c & 63)
    } else if (c < 0xd800 || c > 0xdfff) {
      out[p++] = 0xe0 | (c >> 12)
      out[p++] = 0x80 | ((c >> 6) & 63)
      out[p++] = 0x80 | (c & 63)
    } else {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
        out[p++] = 0xf0 | (point >> 18)
        out[p++] = 0x80 | ((point >> 12) & 63)
        out[p++] = 0x80 | ((point >> 6) & 63)
        out[p++] = 0x80 | (point & 63)
        i++
      } else p = unicodeEscape(out, p, c) // a lone surrogate, escaped as JSON.stringify does
    }
  }
  out[p++] = 34
  return p
}

/** Writes the JSON text of a value that is not a string (what JSON.stringify made of it) in UTF-8; -1 when `out` may be too small. */
const other = (out: Uint8Array, p: number, json: string | undefined): number => {
  const text = json ?? "null"
  // Three bytes at most for each UTF-16 unit: JSON.stringify leaves no lone surrogate unescaped.
  if (p + 3 * text.length > out.length) return -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return p + Buffer.from(out.buffer, out.byteOffset, out.length).write(text.slice(i), p, "utf8")
    out[p++] = c
  }
  return p
}

/** Writes a value, a string or not (`json`, its JSON text, when it is not); -1 when `out` may be too small. */
const value = (out: Uint8Array, p: number, v: unknown, json: string | undefined): number =>
  typeof v === "string" ? string(out, p, v) : other(out, p, json)

/** Writes an integer field's value; returns the next position, or -1 when `out` may be too small. */
const integer = (out: Uint8Array, p: number, n: number): number => {
  if (p + 24 > out.length) return -1
  if (!(n >= 0 && n <= 0x7fffffff) || Object.is(n, -0) || (n | 0) !== n) {
    // Not a small whole number: what JSON.stringify writes ("null" for NaN).
    return other(out, p, JSON.stringify(n) ?? "null")
  }
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

/** The header fields it writes: those of `RemotingCommand`. */
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
 * Writes the JSON header of `command` into `out` from position `start`; returns the position after it, or -1 when
 * `out` may be too small (the caller then gives a larger one).
 */
export const writeJsonHeader = (out: Uint8Array, start: number, command: JsonHeaderFields): number => {
  if (start + 96 > out.length) return -1
  let p = ascii(out, start, "{\"code\":")
  p = integer(out, p, command.code)
  if (p < 0) return -1
  const ext = command.extFields
  if (ext !== undefined) {
    p = ascii(out, p, ",\"extFields\":{")
    let first = true
    for (const key in ext) {
      const v: unknown = ext[key]
      const json = typeof v === "string" ? undefined : JSON.stringify(v)
      if (typeof v !== "string" && json === undefined) continue
      if (!first) out[p++] = 44
      first = false
      p = string(out, p, key)
      if (p < 0 || p + 1 > out.length) return -1
      out[p++] = 58
      p = value(out, p, v, json)
      if (p < 0 || p + 80 > out.length) return -1
    }
    out[p++] = 125
  }
  p = integer(out, ascii(out, p, ",\"flag\":"), command.flag)
  if (p < 0 || p + 12 > out.length) return -1
  p = ascii(out, p, ",\"language\":")
  p = value(
    out,
    p,
    command.language,
    typeof command.language === "string" ? undefined : JSON.stringify(command.language)
  )
  if (p < 0 || p + 12 > out.length) return -1
  p = integer(out, ascii(out, p, ",\"opaque\":"), command.opaque)
  if (p < 0) return -1
  const remark: unknown = command.remark
  if (remark !== undefined) {
    if (p + 12 > out.length) return -1
    p = value(
      out,
      ascii(out, p, ",\"remark\":"),
      remark,
      typeof remark === "string" ? undefined : JSON.stringify(remark)
    )
    if (p < 0) return -1
  }
  if (p + 48 > out.length) return -1
  p = integer(out, ascii(out, p, ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":"), command.version)
  if (p < 0 || p + 1 > out.length) return -1
  out[p++] = 125
  return p
}
