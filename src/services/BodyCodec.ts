import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/**
 * How a message body's bytes become the value a topic's schema decodes, and back: a `Schema` from bytes. `json`
 * (UTF-8 JSON, the default), `utf8` (the text) and `bytes` (the body as it is) are given; any other (Protobuf,
 * Avro, ...) is a `Schema<I, Uint8Array>` of one's own.
 *
 * @since 0.1.0
 * @category codecs
 */
export type BodyCodec<I> = Schema.Schema<I, Uint8Array>

const utf8Decoder = new TextDecoder("utf-8", { fatal: true })
const utf8Encoder = new TextEncoder()

/** Bytes as UTF-8 text; bytes that are not UTF-8 do not decode. */
const utf8: BodyCodec<string> = Schema.transformOrFail(Schema.Uint8ArrayFromSelf, Schema.String, {
  strict: true,
  decode: (bytes, _, ast) =>
    ParseResult.try({
      try: () => utf8Decoder.decode(bytes),
      catch: () => new ParseResult.Type(ast, bytes, "the body is not UTF-8 text")
    }),
  encode: (text) => ParseResult.succeed(utf8Encoder.encode(text))
})

/**
 * The body codecs given: `json` (UTF-8 JSON text, the default of `make`), `utf8` (UTF-8 text: a schema whose encoded
 * side is a string) and `bytes` (the body itself: a schema whose encoded side is a `Uint8Array`).
 *
 * @since 0.1.0
 * @category codecs
 */
export const BodyCodec: {
  readonly json: BodyCodec<unknown>
  readonly utf8: BodyCodec<string>
  readonly bytes: BodyCodec<Uint8Array>
} = {
  json: Schema.compose(utf8, Schema.parseJson()),
  utf8,
  bytes: Schema.Uint8ArrayFromSelf
}
