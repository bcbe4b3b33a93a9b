import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

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

type Kind = "string" | "int" | "long" | "boolean"

/**
 * How one header field travels: its kind, whether it may be absent, and its key on the wire when that differs from
 * its name (the one-letter keys of `SendMessageRequestHeaderV2`).
 *
 * @since 0.1.0
 * @category models
 */
export interface HeaderField<K extends Kind = Kind, Optional extends boolean = boolean> {
  readonly kind: K
  readonly optional: Optional
  readonly key: string | undefined
}

const make = <K extends Kind>(kind: K) => (key?: string): HeaderField<K, false> => ({ kind, optional: false, key })

/**
 * Constructors of header fields; `field.optional(f)` makes one that may be absent (Java: a field without
 * `@CFNotNull`, left out when null).
 *
 * @since 0.1.0
 * @category constructors
 */
export const field = {
  string: make("string"),
  int: make("int"),
  long: make("long"),
  boolean: make("boolean"),
  optional: <K extends Kind>(f: HeaderField<K, false>): HeaderField<K, true> => ({ ...f, optional: true })
}

type ValueOf<K extends Kind> = K extends "string" ? string : K extends "boolean" ? boolean : number
type Simplify<A> = { [K in keyof A]: A[K] } & {}

/**
 * The decoded type of a header with the given fields; `extra` holds the fields the header does not know.
 *
 * @since 0.1.0
 * @category models
 */
export type HeaderType<F extends Record<string, HeaderField>> = Simplify<
  & { readonly [N in keyof F as F[N]["optional"] extends true ? never : N]: ValueOf<F[N]["kind"]> }
  & { readonly [N in keyof F as F[N]["optional"] extends true ? N : never]?: ValueOf<F[N]["kind"]> | undefined }
  & { readonly extra?: { readonly [x: string]: string } | undefined }
>

/**
 * A typed custom header: a Schema from `extFields` (strings) to typed fields, whose decoding and encoding is its
 * {@link HeaderCodec}, the one way `decodeHeader`/`encodeHeader` go too. Fields the header does not know are kept in
 * `extra` on decode and written back on encode, never dropped.
 *
 * Java: a `CommandCustomHeader` class, `RemotingCommand.decodeCommandCustomHeader` and `makeCustomHeaderToNet`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommandHeader<A> extends Schema.Schema<A, { readonly [x: string]: string }> {
  readonly [HeaderCodecId]: HeaderCodec<A>
}

/** @since 0.1.0 @category symbols */
export const HeaderCodecId: unique symbol = Symbol.for("effect-rocketmq/HeaderCodec")

/**
 * How a header's fields are read from `extFields` and written back, built once per header from its field list: a
 * missing or malformed field is a `ParseIssue` at its key on the wire (or at its name, on encode). Numbers are read as
 * `Schema.NumberFromString` reads them (`Number()`, blank text refused) and must be safe integers; booleans are
 * `"true"` or `"false"`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HeaderCodec<A> {
  /** The header's fields: name, key on the wire, kind and whether it may be absent. */
  readonly fields: ReadonlyArray<
    { readonly name: string; readonly wire: string; readonly kind: Kind; readonly optional: boolean }
  >
  readonly decode: (ext: { readonly [x: string]: string }) => Either.Either<A, ParseResult.ParseIssue>
  readonly encode: (header: A) => Either.Either<{ readonly [x: string]: string }, ParseResult.ParseIssue>
}

const fieldSchema = (kind: Kind) =>
  kind === "string" ? Schema.String : kind === "int" ? IntField : kind === "long" ? LongField : BooleanField

/** One field as the codec walks it. */
interface FieldSpec {
  readonly name: string
  readonly wire: string
  readonly kind: Kind
  readonly optional: boolean
  readonly ast: Schema.Schema.AnyNoContext["ast"]
}

const expected: Record<Kind, string> = {
  string: "a string",
  int: "an integer",
  long: "a long (a safe integer)",
  boolean: "\"true\" or \"false\""
}

/** A field's value read from its wire text, or undefined when the text is not one (as `fieldSchema` decides). */
const fromWire = (kind: Kind, raw: string): string | number | boolean | undefined => {
  if (kind === "string") return raw
  if (kind === "boolean") return raw === "true" ? true : raw === "false" ? false : undefined
  // Schema.NumberFromString: Number(), except that blank text is no number; then Schema.int() (and between()).
  const n = Number(raw)
  return Number.isSafeInteger(n) && (n !== 0 || raw.trim() !== "") ? n : undefined
}

/** A field's wire text, or undefined when the value is not of its kind. */
const toWire = (kind: Kind, value: unknown): string | undefined =>
  kind === "string"
    ? (typeof value === "string" ? value : undefined)
    : kind === "boolean"
    ? (value === true ? "true" : value === false ? "false" : undefined)
    : (typeof value === "number" && Number.isSafeInteger(value) ? String(value) : undefined)

const missing = (f: FieldSpec, at: string): ParseResult.ParseIssue =>
  new ParseResult.Pointer(
    at,
    undefined,
    new ParseResult.Missing(f.ast as never, f.wire === f.name ? undefined : `is missing (${f.name})`)
  )

const invalid = (f: FieldSpec, at: string, actual: unknown): ParseResult.ParseIssue =>
  new ParseResult.Pointer(
    at,
    actual,
    new ParseResult.Type(f.ast, actual, `Expected ${expected[f.kind]}, actual ${JSON.stringify(actual)}`)
  )

/**
 * The codec of a header: one loop over its fields each way. Fields it does not know are kept in `extra`, a
 * null-prototype map (so that a key "__proto__" is kept like any other).
 */
const makeCodec = <A>(fields: ReadonlyArray<FieldSpec>): HeaderCodec<A> => {
  const wireKeys = new Set(fields.map((f) => f.wire))
  const decode = (ext: { readonly [x: string]: string }): Either.Either<A, ParseResult.ParseIssue> => {
    const out: Record<string, unknown> = {}
    let found = 0
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      const raw: unknown = ext[f.wire]
      if (raw === undefined) {
        if (f.optional) continue
        return Either.left(missing(f, f.wire))
      }
      found++
      const value = typeof raw === "string" ? fromWire(f.kind, raw) : undefined
      if (value === undefined) return Either.left(invalid(f, f.wire, raw))
      out[f.name] = value
    }
    // Counting the keys first spares the lookups when every key is known.
    let keys = 0
    for (const _ in ext) keys++
    if (keys !== found) {
      let extra: Record<string, string> | undefined
      for (const key in ext) {
        if (wireKeys.has(key)) continue
        const value: unknown = ext[key]
        if (typeof value !== "string") {
          return Either.left(new ParseResult.Pointer(key, ext, new ParseResult.Type(Schema.String.ast, value)))
        }
        if (extra === undefined) extra = Object.create(null) as Record<string, string>
        extra[key] = value
      }
      if (extra !== undefined) out.extra = extra
    }
    return Either.right(out as A)
  }
  const encode = (header: A): Either.Either<{ readonly [x: string]: string }, ParseResult.ParseIssue> => {
    const h = header as Record<string, unknown> & { readonly extra?: { readonly [x: string]: string } | undefined }
    const out: Record<string, string> = h.extra === undefined ? {} : { ...h.extra }
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!
      const value = h[f.name]
      if (value === undefined) {
        if (f.optional) continue
        return Either.left(missing(f, f.name))
      }
      const text = toWire(f.kind, value)
      if (text === undefined) return Either.left(invalid(f, f.name, value))
      out[f.wire] = text
    }
    return Either.right(out)
  }
  return { fields, decode, encode }
}

/**
 * Builds a {@link CommandHeader} from its fields, named after the Java class.
 *
 * @since 0.1.0
 * @category constructors
 */
export const commandHeader = <F extends Record<string, HeaderField>>(
  identifier: string,
  fields: F
): CommandHeader<HeaderType<F>> => {
  type A = HeaderType<F>
  const specs: Array<FieldSpec> = Object.entries(fields).map(([name, f]) => ({
    name,
    wire: f.key ?? name,
    kind: f.kind,
    optional: f.optional,
    ast: fieldSchema(f.kind).ast
  }))
  const codec = makeCodec<A>(specs)

  const typeFields: Record<string, Schema.Schema.All | Schema.PropertySignature.All> = {}
  for (const f of specs) {
    const type = Schema.typeSchema(fieldSchema(f.kind) as Schema.Schema<unknown, string>)
    typeFields[f.name] = f.optional ? Schema.optional(type) : type
  }
  const target = Schema.Struct({ ...typeFields, extra: Schema.optional(ExtFields) }) as unknown as Schema.Schema<A>

  const schema = Schema.transformOrFail(ExtFields, target, {
    strict: true,
    decode: (ext) => codec.decode(ext),
    encode: (header) => codec.encode(header)
  }).annotations({ identifier })

  return Object.assign(schema, { [HeaderCodecId]: codec }) as unknown as CommandHeader<A>
}

const noFields: { readonly [x: string]: string } = {}

/**
 * Decodes a command's `extFields` with a header; a missing or malformed field is a `ParseError` naming it.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeHeader = <A>(
  header: CommandHeader<A>,
  extFields: { readonly [x: string]: string } | undefined
): Either.Either<A, ParseResult.ParseError> => {
  const ext = extFields ?? noFields
  const decoded = header[HeaderCodecId].decode(ext)
  return Either.isRight(decoded)
    ? decoded as Either.Either<A, never>
    : Either.left(ParseResult.parseError(new ParseResult.Composite(header.ast, ext, decoded.left)))
}

/**
 * Encodes a header to `extFields`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeHeader = <A>(
  header: CommandHeader<A>,
  value: A
): Either.Either<{ readonly [x: string]: string }, ParseResult.ParseError> => {
  const encoded = header[HeaderCodecId].encode(value)
  return Either.isRight(encoded)
    ? encoded as Either.Either<{ readonly [x: string]: string }, never>
    : Either.left(ParseResult.parseError(new ParseResult.Composite(header.ast, value, encoded.left)))
}
