/**
 * Reads a command's JSON header straight from its bytes, the one way every JSON header is read. It takes any JSON
 * (whitespace, escapes, UTF-8 text, fields it does not know, repeated fields: the last one counts) and gives what
 * `JSON.parse` of the UTF-8 text and the checks of `RemotingCommand` would give, or the reason it is refused.
 *
 * The usual header, the shape fastjson writes (no whitespace, integer numbers, ASCII strings, `extFields` an object of
 * strings), is read without making a string of anything but its values; top-level names are matched as bytes.
 * A string with escapes is checked here and unescaped by `JSON.parse` of its literal; values of unusual kinds (an
 * object in `extFields`, an unknown field's array) are checked here and made by `JSON.parse` of their text.
 *
 * The JSON itself is read by `JsonCursor`; this module knows the header's fields and the checks `RemotingCommand`
 * makes of them.
 */
import { isLanguageName, type LanguageName, languageOfCode } from "../LanguageCode.js"
import { FAIL, type Fail, isDigit, JsonCursor } from "./JsonCursor.js"

/**
 * The header fields read from JSON (`RemotingCommand` without body and serialize type).
 *
 * @since 0.1.0
 * @category internal
 */
export interface JsonHeader {
  readonly code: number
  readonly language: LanguageName
  readonly version: number
  readonly opaque: number
  readonly flag: number
  readonly remark: string | undefined
  readonly extFields: Record<string, string> | undefined
}

/**
 * Why a header was refused; `syntax` when it is not JSON at all.
 *
 * @since 0.1.0
 * @category internal
 */
export interface JsonHeaderError {
  readonly _tag: "JsonHeaderError"
  readonly reason: string
}

const refused = (reason: string): JsonHeaderError => ({ _tag: "JsonHeaderError", reason })

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

/** The top-level field whose name is at the cursor (its opening quote), moving past the name. */
const fieldAt = (r: JsonCursor): Field | Fail => {
  const bytes = r.bytes
  const start = r.at + 1
  let p = start
  while (p < r.end) {
    const c = bytes[p]!
    if (c === 34) break
    if (c === 92 || c < 0x20 || c >= 0x80) {
      const name = r.string()
      return name === FAIL ? FAIL : fieldOfName(name)
    }
    p++
  }
  if (p >= r.end) {
    r.at = p
    return r.fail("unterminated string")
  }
  r.at = p + 1
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
const extFieldsAt = (r: JsonCursor): Record<string, string> | Fail => {
  const bytes = r.bytes
  const end = r.end
  r.at++
  const map: Record<string, string> = {}
  if (r.peek() === 125) {
    r.at++
    return map
  }
  for (;;) {
    // Each byte is looked at as fastjson writes it first, whitespace skipped only when it is not there.
    if ((r.at < end ? bytes[r.at] : r.peek()) !== 34 && r.peek() !== 34) return r.unexpected()
    const key = r.string()
    if (key === FAIL) return FAIL
    if (r.at < end && bytes[r.at] === 58) r.at++
    else if (!r.expect(58)) return FAIL
    let value: string | undefined
    if ((r.at < end && bytes[r.at] === 34) || r.peek() === 34) {
      const text = r.string()
      if (text === FAIL) return FAIL
      value = text
    } else {
      const any = r.value()
      if (any === FAIL) return FAIL
      value = extValue(any)
    }
    if (value === undefined) delete map[key]
    else if (key === "__proto__") {
      // A plain assignment would set the prototype; JSON.parse makes it an own property.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
    } else map[key] = value
    const next = r.at < end && bytes[r.at] === 44 ? 44 : r.peek()
    if (next === 44) r.at++
    else if (next === 125) {
      r.at++
      return map
    } else return r.unexpected()
  }
}

/** The language named by the string at the cursor; "JAVA", the usual one, without making a string. */
const languageAt = (r: JsonCursor): string | Fail => {
  const bytes = r.bytes
  if (r.at + 6 <= r.end && bytes[r.at + 5] === 34 && spells(bytes, r.at + 1, NAME_JAVA)) {
    r.at += 6
    return "JAVA"
  }
  return r.string()
}

/**
 * Reads the JSON header in bytes [start, end): the header, or why it is refused (a reason starting "JSON header does
 * not parse" when it is not JSON).
 *
 * @since 0.1.0
 * @category internal
 */
export const readJsonHeader = (bytes: Buffer, start: number, end: number): JsonHeader | JsonHeaderError => {
  const r = new JsonCursor(bytes, start, end)
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
        const name = fieldAt(r)
        if (name === FAIL) break
        if (r.at < end && bytes[r.at] === 58) r.at++
        else if (!r.expect(58)) break
        let value: unknown
        const c = r.at < end && bytes[r.at] > 32 ? bytes[r.at] : r.peek()
        if (name === Field.ExtFields && c === 123) value = extFieldsAt(r)
        else if (name === Field.Language && c === 34) value = languageAt(r)
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
