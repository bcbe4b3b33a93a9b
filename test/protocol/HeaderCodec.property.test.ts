import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import * as P from "../../src/protocol/index.js"
import { decodeByReference, encodeByReference } from "./headerReference.js"

type AnyHeader = P.CommandHeader<Record<string, unknown>>

/** Every typed header the protocol module exports. */
const headers = Object.entries(P).filter((entry): entry is [string, AnyHeader] =>
  typeof entry[1] === "function" && P.HeaderCodecId in entry[1]
)

/** Wire values for a field: mostly valid, sometimes not (the codec must then refuse them as the field's Schema does). */
const wireValue = (kind: string) =>
  kind === "string"
    ? fc.string({ maxLength: 12 })
    : kind === "boolean"
    ? fc.oneof(fc.constantFrom("true", "false"), fc.string({ maxLength: 5 }))
    : fc.oneof(
      fc.integer().map(String),
      fc.maxSafeInteger().map(String),
      fc.constantFrom(
        "",
        " ",
        "-",
        "1.5",
        "1e3",
        " 7",
        "7\n",
        "0x10",
        "0b11",
        "007",
        "-0",
        "+5",
        "NaN",
        "Infinity",
        "-Infinity",
        "9007199254740991",
        "9007199254740993",
        "-9007199254740992"
      ),
      fc.string({ maxLength: 5 })
    )

const extFieldsFor = (header: AnyHeader) => {
  const fields = header[P.HeaderCodecId].fields
  return fc.record({
    known: fc.tuple(...fields.map((f) => fc.option(wireValue(f.kind), { nil: undefined, freq: f.optional ? 3 : 12 }))),
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 })
  }).map(({ extra, known }) => {
    const ext: Record<string, string> = { ...extra }
    fields.forEach((f, i) => {
      if (known[i] !== undefined) ext[f.wire] = known[i]
    })
    return ext
  })
}

/** Typed values for a field's encode: mostly valid, sometimes not. */
const typedValue = (kind: string) =>
  fc.oneof(
    { weight: 8, arbitrary: kind === "string" ? fc.string() : kind === "boolean" ? fc.boolean() : fc.maxSafeInteger() },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(1.5, 2 ** 53, Number.NaN, "7", null, true, -0) }
  )

const valuesFor = (header: AnyHeader) => {
  const fields = header[P.HeaderCodecId].fields
  return fc.record({
    known: fc.tuple(...fields.map((f) => fc.option(typedValue(f.kind), { nil: undefined, freq: f.optional ? 3 : 20 }))),
    extra: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 })), {
      nil: undefined
    })
  }).map(({ extra, known }) => {
    const value: Record<string, unknown> = extra === undefined ? {} : { extra }
    fields.forEach((f, i) => {
      if (known[i] !== undefined) value[f.name] = known[i]
    })
    return value
  })
}

describe("header codecs read and write what Effect's field Schemas do", () => {
  it("covers every header", () => {
    expect(headers.length).toBeGreaterThanOrEqual(20)
  })

  for (const [name, header] of headers) {
    it.prop(`${name}: decode accepts and yields what the field Schemas do`, [extFieldsFor(header)], ([ext]) => {
      const decoded = P.decodeHeader(header, ext)
      const reference = decodeByReference(header, ext)
      expect(Either.isRight(decoded)).toBe(Either.isRight(reference))
      if (Either.isRight(decoded) && Either.isRight(reference)) {
        expect(decoded.right).toEqual(reference.right)
        expect(P.encodeHeader(header, decoded.right)).toEqual(encodeByReference(header, reference.right))
      }
      // The header as a Schema decodes the same way.
      const bySchema = Schema.decodeUnknownEither(header)(ext)
      expect(Either.isRight(bySchema) ? bySchema.right : "refused").toEqual(
        Either.isRight(decoded) ? decoded.right : "refused"
      )
    })

    it.prop(`${name}: encode accepts and writes what the field Schemas do`, [valuesFor(header)], ([value]) => {
      const encoded = P.encodeHeader(header, value)
      const reference = encodeByReference(header, value)
      expect(Either.isRight(encoded)).toBe(Either.isRight(reference))
      if (Either.isRight(encoded) && Either.isRight(reference)) expect(encoded.right).toEqual(reference.right)
    })
  }

  it("a missing or malformed field is a ParseError naming its key on the wire (and its name when they differ)", () => {
    const missing = P.decodeHeader(P.SendMessageRequestHeaderV2, { b: "T" })
    expect(Either.isLeft(missing) && missing.left.message).toContain("[\"a\"]")
    expect(Either.isLeft(missing) && missing.left.message).toContain("producerGroup")
    expect(Either.isLeft(missing) && missing.left.message).toContain("SendMessageRequestHeaderV2")
    const malformed = P.decodeHeader(P.GetMaxOffsetRequestHeader, { topic: "T", queueId: "x" })
    expect(Either.isLeft(malformed) && malformed.left.message).toContain("[\"queueId\"]")
    expect(Either.isLeft(malformed) && malformed.left.message).toContain("Expected an integer, actual \"x\"")
    const unencodable = P.encodeHeader(P.GetMaxOffsetRequestHeader, { topic: "T", queueId: 1.5 })
    expect(Either.isLeft(unencodable) && unencodable.left.message).toContain("[\"queueId\"]")
  })
})
