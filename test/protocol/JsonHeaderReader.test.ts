import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { readJsonHeader } from "../../src/protocol/internal/JsonHeaderReader.js"
import { isLanguageName, languageOfCode } from "../../src/protocol/LanguageCode.js"
import * as Arb from "./arbitraries.js"

const toInt = (value: unknown, what: string): number => {
  if (typeof value === "number" && Number.isInteger(value)) return value
  if (typeof value === "string" && /^-?\d+$/.test(value)) return Number(value)
  throw `header field ${what} is not an integer: ${JSON.stringify(value)}`
}

/**
 * The reference: JSON.parse of the UTF-8 text and RemotingCommand's checks, as the frame decoder's general path did
 * them before the byte reader took every header. A string is the reason a header is refused.
 */
const reference = (bytes: Buffer): unknown => {
  let h: Record<string, unknown>
  try {
    h = JSON.parse(bytes.toString("utf8"))
  } catch {
    return "does not parse"
  }
  try {
    if (typeof h !== "object" || h === null || Array.isArray(h)) throw "JSON header is not an object"
    let language = "JAVA"
    if (typeof h.language === "string") {
      if (!isLanguageName(h.language)) throw `unknown language ${h.language}`
      language = h.language
    } else if (typeof h.language === "number") {
      language = languageOfCode(h.language) ?? (() => {
        throw `unknown language code ${h.language}`
      })()
    }
    let extFields: Record<string, string> | undefined
    if (h.extFields !== undefined && h.extFields !== null) {
      if (typeof h.extFields !== "object" || Array.isArray(h.extFields)) throw "extFields is not an object"
      extFields = {}
      for (const [k, v] of Object.entries(h.extFields)) {
        if (v === null || v === undefined) continue
        const text = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v)
        Object.defineProperty(extFields, k, { value: text, enumerable: true, writable: true, configurable: true })
      }
    }
    if (h.remark !== undefined && h.remark !== null && typeof h.remark !== "string") throw "remark is not a string"
    return {
      code: toInt(h.code, "code"),
      language,
      version: h.version === undefined ? 0 : toInt(h.version, "version"),
      opaque: h.opaque === undefined ? 0 : toInt(h.opaque, "opaque"),
      flag: h.flag === undefined ? 0 : toInt(h.flag, "flag"),
      remark: typeof h.remark === "string" ? h.remark : undefined,
      extFields
    }
  } catch (reason) {
    return reason
  }
}

/** What the byte reader makes of the bytes, in the reference's terms. */
const read = (bytes: Buffer): unknown => {
  const padded = Buffer.concat([Buffer.from(" 9"), bytes, Buffer.from("7 ")])
  const header = readJsonHeader(padded, 2, 2 + bytes.length)
  if (!("_tag" in header)) return header
  return header.reason.startsWith("JSON header does not parse: ") ? "does not parse" : header.reason
}

const agrees = (bytes: Buffer) => {
  const expected = reference(bytes)
  const actual = read(bytes)
  expect(actual).toEqual(expected)
  // extFields keep every key as an own property, "__proto__" included.
  if (typeof expected === "object" && expected !== null && (expected as { extFields?: object }).extFields) {
    expect(Object.keys((actual as { extFields: object }).extFields)).toEqual(
      Object.keys((expected as { extFields: object }).extFields)
    )
  }
}

const text = (t: string) => Buffer.from(t, "utf8")

/** A header text with one byte changed, removed or the text cut short: mostly invalid or unusual JSON. */
const mutated = fc.tuple(Arb.command.map(Arb.headerJson), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(2)).map(
  ([t, at, byte, how]) => {
    const bytes = text(t)
    const i = at % bytes.length
    return how === 0
      ? Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i + 1)])
      : how === 1
      ? Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)])
      : bytes.subarray(0, i)
  }
)

/** JSON values of any kind, for fields and extFields. */
const anyJson = fc.jsonValue({ maxDepth: 3 })

describe("JSON header reader", () => {
  it.prop("reads what JSON.parse reads from the headers fastjson writes", [Arb.asciiHeader], ([c]) => {
    agrees(text(Arb.headerJson(c)))
  })

  it.prop("reads any text and any command as JSON.parse does", [Arb.command], ([c]) => {
    agrees(text(Arb.headerJson(c)))
    agrees(text(JSON.stringify({ ...c, body: undefined, serializeType: undefined }, null, 2)))
  })

  it.prop("on any other text it answers what JSON.parse and the checks answer; it never throws", [mutated], ([b]) => {
    agrees(b)
  }, { fastCheck: { numRuns: 3000 } })

  it.prop("fields of any kind: refused or read as the checks read them", [
    fc.record({
      code: anyJson,
      language: anyJson,
      version: anyJson,
      remark: anyJson,
      extFields: fc.oneof(anyJson, fc.dictionary(fc.string(), anyJson)),
      other: anyJson
    }, { requiredKeys: [] })
  ], ([h]) => {
    agrees(text(JSON.stringify(h)))
  }, { fastCheck: { numRuns: 2000 } })

  it("reads what the old byte reader left to JSON.parse", () => {
    const base = { code: 10, extFields: { a: "1" }, flag: 0, language: "JAVA", opaque: 1, version: 409 }
    for (
      const t of [
        JSON.stringify(base, null, 1), // whitespace
        JSON.stringify({ ...base, extFields: { a: 1, b: true, c: { d: [1] }, e: 1.50 } }),
        JSON.stringify({ ...base, extFields: { a: null } }),
        JSON.stringify({ ...base, remark: "brøker 中文 \ud83d\ude00" }), // non-ASCII
        JSON.stringify({ ...base, remark: "\u00e9\ud800" }),
        JSON.stringify({ ...base, code: "10" }),
        JSON.stringify({ ...base, code: 1.5 }),
        JSON.stringify({ ...base, code: 1e21 }),
        JSON.stringify({ ...base, language: 0 }),
        JSON.stringify({ ...base, language: 99 }),
        JSON.stringify({ ...base, language: "COBOL" }),
        JSON.stringify({ ...base, language: null }),
        JSON.stringify({ ...base, unknown: [1, { a: [] }, "x"] }),
        JSON.stringify({ ...base, remark: null, extFields: null }),
        JSON.stringify({ ...base, extFields: "x" }),
        JSON.stringify({ ...base, extFields: [] }),
        "{\"code\":007}",
        "{\"code\":1.}",
        "{\"code\":-}",
        "{\"code\":1e5,\"flag\":-0,\"version\":1.0E+2}",
        "{\"extFields\":{\"__proto__\":\"x\",\"b\":\"y\"},\"code\":1}",
        "{\"extFields\":{\"a\":\"x\",\"a\":null},\"code\":1}",
        "{\"c\\u006fde\":5}",
        "{}",
        "{\"flag\":0}",
        "[1]",
        "7",
        "null",
        "{\"code\":1} x",
        "{\"code\":1,}",
        "{\"code\":\"a\tb\"}",
        "{\"code\":1,\"remark\":\"\\x\"}",
        "{\"code\":1,\"remark\":\"\\u12\"}",
        "{\"code\":1,\"u\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}",
        "\ufeff{\"code\":1}"
      ]
    ) agrees(text(t))
  })

  it("unescapes what JSON escapes, and keeps the last of repeated fields", () => {
    const b = text("{\"code\":1,\"remark\":\"a\\\"b\\\\c\\/d\\n\\u0001\\u007f\\t\\ud83d\\ude00\",\"code\":-2}")
    agrees(b)
    expect(read(b)).toEqual({
      code: -2,
      language: "JAVA",
      version: 0,
      opaque: 0,
      flag: 0,
      remark: "a\"b\\c/d\n\u0001\u007f\t\ud83d\ude00",
      extFields: undefined
    })
  })

  it("keeps invalid UTF-8 in strings as U+FFFD, as decoding the text first does", () => {
    agrees(Buffer.concat([text("{\"code\":1,\"remark\":\""), Buffer.from([0xe2, 0x82, 0xff, 0xc3]), text("\"}")]))
    agrees(Buffer.concat([text("{\"code\":1,\"remark\":\""), Buffer.from([0xe2]), text("\\n\"}")]))
  })
})
