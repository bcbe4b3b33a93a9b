// The reference a header codec is held to: Effect's own Schemas of its fields (`Schema.String`, `IntField`,
// `LongField`, `BooleanField`, renamed with `Schema.fromKey`), fields it does not know kept in `extra`.
import { Effect, Either, ParseResult, Schema } from "effect"
import {
  BooleanField,
  type CommandHeader,
  ExtFields,
  HeaderCodecId,
  IntField,
  LongField
} from "../../src/protocol/headers/CommandHeader.js"

type Reference = Schema.Schema<Record<string, unknown>, { readonly [x: string]: string }>

const fieldSchema = (kind: string) =>
  (kind === "string"
    ? Schema.String
    : kind === "int"
    ? IntField
    : kind === "long"
    ? LongField
    : BooleanField) as Schema.Schema<unknown, string>

const built = new WeakMap<object, Reference>()

/** The header as a Schema made of Effect's field Schemas, with no code of the codec's own. */
export const referenceSchema = <A>(header: CommandHeader<A>): Reference => {
  const cached = built.get(header)
  if (cached !== undefined) return cached
  const fields = header[HeaderCodecId].fields
  const wireKeys = new Set(fields.map((f) => f.wire))
  const structFields: Record<string, Schema.Struct.Field> = {}
  for (const f of fields) {
    const schema = fieldSchema(f.kind)
    const renamed = f.wire !== f.name
    structFields[f.name] = f.optional
      ? (renamed ? Schema.optional(schema).pipe(Schema.fromKey(f.wire)) : Schema.optional(schema))
      : (renamed ? Schema.propertySignature(schema).pipe(Schema.fromKey(f.wire)) : schema)
  }
  const struct = Schema.Struct(structFields) as unknown as Schema.Schema<
    Record<string, unknown>,
    Record<string, string>
  >
  const target = Schema.typeSchema(Schema.Struct({ ...structFields, extra: Schema.optional(ExtFields) }))
  const reference = Schema.transformOrFail(ExtFields, target, {
    strict: false,
    decode: (record) => {
      const known: Record<string, string> = Object.create(null)
      const extra: Record<string, string> = Object.create(null)
      let extras = 0
      for (const key in record) {
        if (wireKeys.has(key)) known[key] = record[key]!
        else {
          extra[key] = record[key]!
          extras++
        }
      }
      return Effect.map(ParseResult.decodeUnknown(struct)(known), (h) => (extras > 0 ? { ...h, extra } : h))
    },
    encode: (header) => {
      const { extra, ...rest } = header as { extra?: Record<string, string> }
      return Effect.map(ParseResult.encode(struct)(rest), (encoded) => ({ ...extra, ...encoded }))
    }
  }) as unknown as Reference
  built.set(header, reference)
  return reference
}

/** `extFields` with the fields an encoded header leaves undefined taken out (the Schema keeps them as undefined). */
export const defined = (ext: { readonly [x: string]: string | undefined }): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(ext)) if (v !== undefined) out[k] = v
  return out
}

export const decodeByReference = <A>(header: CommandHeader<A>, ext: { readonly [x: string]: string }) =>
  Schema.decodeUnknownEither(referenceSchema(header))(ext)

export const encodeByReference = <A>(header: CommandHeader<A>, value: unknown) =>
  Either.map(Schema.encodeEither(referenceSchema(header))(value as Record<string, unknown>), defined)
