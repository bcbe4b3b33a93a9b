import { Effect, type Either, ParseResult, Schema, SchemaAST } from "effect"

/**
 * `extFields` as they travel: every value a string.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ExtFields = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * A Java `Integer`/`int` header field: a decimal string on the wire, a whole number here.
 *
 * @since 0.1.0
 * @category schemas
 */
export const IntField = Schema.NumberFromString.pipe(Schema.int())

/**
 * A Java `Long`/`long` header field: a decimal string on the wire, a safe whole number here.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LongField = Schema.NumberFromString.pipe(Schema.int(), Schema.between(-(2 ** 53) + 1, 2 ** 53 - 1))

/**
 * A Java `Boolean`/`boolean` header field: `"true"` or `"false"` on the wire.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BooleanField = Schema.BooleanFromString

/**
 * A typed custom header: decodes from `extFields` (strings) and encodes back. Fields named on the wire
 * differently (the short keys of `SendMessageRequestHeaderV2`) use `Schema.fromKey`. Fields the header does not
 * know are kept in `extra` on decode and written back on encode, never dropped.
 *
 * Java: a `CommandCustomHeader` class, `RemotingCommand.decodeCommandCustomHeader` and `makeCustomHeaderToNet`.
 *
 * @since 0.1.0
 * @category models
 */
export type CommandHeader<Fields extends Schema.Struct.Fields> = Schema.Schema<
  Schema.Struct.Type<Fields> & { readonly extra?: { readonly [x: string]: string } | undefined },
  { readonly [x: string]: string }
>

/**
 * Builds a {@link CommandHeader} schema from its fields, named after the Java class.
 *
 * @since 0.1.0
 * @category constructors
 */
export const commandHeader = <Fields extends Schema.Struct.Fields>(
  identifier: string,
  fields: Fields
): CommandHeader<Fields> => {
  const struct = Schema.Struct(fields)
  const encodedAst = SchemaAST.encodedAST(struct.ast) as SchemaAST.TypeLiteral
  const wireKeys = new Set(encodedAst.propertySignatures.map((p) => String(p.name)))
  const target = Schema.typeSchema(Schema.Struct({ ...fields, extra: Schema.optional(ExtFields) }))
  const decodeKnown = ParseResult.decodeUnknown(struct)
  const encodeKnown = ParseResult.encode(struct)
  type Header = Schema.Struct.Type<Fields> & { readonly extra?: { readonly [x: string]: string } | undefined }
  return Schema.transformOrFail(ExtFields, target, {
    strict: false,
    decode: (record) => {
      // Null-prototype maps, so that a field named "__proto__" is kept like any other.
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
      return Effect.map(decodeKnown(known), (header) => (extras > 0 ? { ...header, extra } : header))
    },
    encode: (header) => {
      const { extra, ...rest } = header as Header
      return Effect.map(
        encodeKnown(rest as Schema.Struct.Type<Fields>),
        (encoded) => ({ ...extra, ...(encoded as Record<string, string>) })
      )
    }
  }).annotations({ identifier }) as unknown as CommandHeader<Fields>
}

/**
 * Decodes a command's `extFields` with a header schema; a missing or malformed field is a `ParseError` naming it.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeHeader = <A>(
  schema: Schema.Schema<A, { readonly [x: string]: string }>,
  extFields: { readonly [x: string]: string } | undefined
): Either.Either<A, ParseResult.ParseError> => Schema.decodeUnknownEither(schema)(extFields ?? {})

/**
 * Encodes a header to `extFields`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeHeader = <A>(
  schema: Schema.Schema<A, { readonly [x: string]: string }>,
  header: A
): Either.Either<{ readonly [x: string]: string }, ParseResult.ParseError> => Schema.encodeEither(schema)(header)
