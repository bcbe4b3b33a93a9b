import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { readJsonHeader } from "../../src/protocol/internal/JsonHeaderReader.js"
import { isLanguageName } from "../../src/protocol/LanguageCode.js"
import * as Arb from "./arbitraries.js"

/** What the general path (JSON.parse and its checks) makes of a header that the byte reader also accepts. */
const reference = (text: string) => {
  const h = JSON.parse(text) as Record<string, unknown>
  return {
    code: h.code,
    language: h.language ?? "JAVA",
    version: h.version ?? 0,
    opaque: h.opaque ?? 0,
    flag: h.flag ?? 0,
    remark: h.remark,
    extFields: h.extFields
  }
}

const read = (text: string) => {
  const bytes = Buffer.from(` ${text} `, "latin1")
  return readJsonHeader(bytes, 1, bytes.length - 1)
}

const headerText = Arb.headerJson

/** A header text with one byte changed, removed or the text cut short: mostly invalid or unusual JSON. */
const mutated = fc.tuple(Arb.asciiHeader.map(headerText), fc.nat(), fc.integer({ min: 0, max: 127 }), fc.nat(2)).map(
  ([text, at, byte, how]) => {
    const i = at % text.length
    return how === 0
      ? text.slice(0, i) + String.fromCharCode(byte) + text.slice(i + 1)
      : how === 1
      ? text.slice(0, i) + text.slice(i + 1)
      : text.slice(0, i)
  }
)

describe("JSON header reader", () => {
  it.prop("reads what JSON.parse reads from the headers fastjson writes", [Arb.asciiHeader], ([c]) => {
    const text = headerText(c)
    const fast = read(text)
    if (c.extFields !== undefined && Object.keys(c.extFields).includes("__proto__")) expect(fast).toBeUndefined()
    else expect(fast).toEqual(reference(text))
  })

  it.prop(
    "on any other text it answers undefined, or exactly what JSON.parse reads; it never throws",
    [mutated],
    ([text]) => {
      const fast = read(text)
      if (fast !== undefined) {
        const expected = reference(text)
        expect(fast).toEqual(expected)
        expect(isLanguageName(expected.language as string)).toBe(true)
      }
    },
    { fastCheck: { numRuns: 2000 } }
  )

  it("leaves to the general path what it does not take", () => {
    const base = { code: 10, extFields: { a: "1" }, flag: 0, language: "JAVA", opaque: 1, version: 409 }
    for (
      const text of [
        JSON.stringify(base, null, 1), // whitespace
        JSON.stringify({ ...base, extFields: { a: 1 } }), // a number in extFields
        JSON.stringify({ ...base, extFields: { a: null } }),
        JSON.stringify({ ...base, remark: "brøker" }), // non-ASCII
        JSON.stringify({ ...base, remark: "\u00e9" }),
        JSON.stringify({ ...base, code: "10" }),
        JSON.stringify({ ...base, code: 1.5 }),
        JSON.stringify({ ...base, code: 1e21 }),
        JSON.stringify({ ...base, language: 0 }),
        JSON.stringify({ ...base, language: "COBOL" }),
        JSON.stringify({ ...base, unknown: 1 }),
        "{\"code\":007}",
        "{\"extFields\":{\"__proto__\":\"x\"},\"code\":1}",
        "{}",
        "{\"flag\":0}"
      ]
    ) expect(read(text)).toBeUndefined()
  })

  it("unescapes what JSON escapes, and keeps the last of repeated fields", () => {
    expect(read("{\"code\":1,\"remark\":\"a\\\"b\\\\c\\/d\\n\\u0001\\u007f\\t\",\"code\":-2}")).toEqual({
      code: -2,
      language: "JAVA",
      version: 0,
      opaque: 0,
      flag: 0,
      remark: "a\"b\\c/d\n\u0001\u007f\t",
      extFields: undefined
    })
  })
})
