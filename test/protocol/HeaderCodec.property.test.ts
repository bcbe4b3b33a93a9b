import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import * as P from "../../src/protocol/index.js"

type AnyHeader = P.CommandHeader<Record<string, unknown>>

/** Every typed header the protocol module exports. */
const headers = Object.entries(P).filter((entry): entry is [string, AnyHeader] =>
  typeof entry[1] === "function" && P.HeaderCodecId in entry[1]
)

/** Wire values for a field: mostly valid, sometimes not (the compiled path must then defer to the Schema). */
const wireValue = (kind: string) =>
  kind === "string"
    ? fc.string({ maxLength: 12 })
    : kind === "boolean"
    ? fc.oneof(fc.constantFrom("true", "false"), fc.string({ maxLength: 5 }))
    : fc.oneof(
      fc.integer().map(String),
      fc.maxSafeInteger().map(String),
      fc.constantFrom("", "-", "1.5", "1e3", " 7", "0x10", "007", "-0", "9007199254740993"),
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

describe("compiled header codecs agree with their Schemas", () => {
  it("covers every header", () => {
    expect(headers.length).toBeGreaterThanOrEqual(20)
  })

  for (const [name, header] of headers) {
    it.prop(`${name}: decode and encode give what the Schema gives`, [extFieldsFor(header)], ([ext]) => {
      const codec = header[P.HeaderCodecId]
      const bySchema = Schema.decodeUnknownEither(header)(ext)
      const fast = codec.decode(ext)
      if (fast !== undefined) expect(Either.getOrThrow(bySchema)).toEqual(fast)
      expect(Either.isRight(P.decodeHeader(header, ext))).toBe(Either.isRight(bySchema))
      if (Either.isRight(bySchema)) {
        const encoded = codec.encode(bySchema.right)
        expect(encoded).toBeDefined()
        expect(encoded).toEqual(Either.getOrThrow(Schema.encodeEither(header)(bySchema.right)))
      }
    })
  }
})
