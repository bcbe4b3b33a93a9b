import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { parseFastJson } from "../FastJson.js"
import { ProtocolError } from "../ProtocolError.js"

const decoder = new TextDecoder("utf-8", { fatal: true })

/**
 * Decodes a JSON body (Java: `RemotingSerializable.decode`) with a body schema. The text may be standard JSON or
 * fastjson's form with bare integer or object map keys. Anything that is not valid UTF-8, not JSON, or not of the
 * schema's shape is a `ProtocolError` saying what.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeBody = <A, I>(
  schema: Schema.Schema<A, I>,
  body: Uint8Array | undefined
): Either.Either<A, ProtocolError> => {
  if (body === undefined || body.length === 0) {
    return Either.left(new ProtocolError({ reason: `${identifierOf(schema)}: the body is empty`, offset: 0 }))
  }
  const text = Either.try({
    try: () => decoder.decode(body),
    catch: () => new ProtocolError({ reason: `${identifierOf(schema)}: the body is not UTF-8`, offset: 0 })
  })
  return text.pipe(
    Either.flatMap(parseFastJson),
    Either.flatMap((json) =>
      Either.mapLeft(
        Schema.decodeUnknownEither(schema)(json),
        (e) => new ProtocolError({ reason: ParseResult.TreeFormatter.formatErrorSync(e), offset: 0 })
      )
    )
  )
}

/**
 * Encodes a body as standard JSON bytes (Java: `RemotingSerializable.encode`), fields in the schema's order (our
 * schemas list them alphabetically, as fastjson writes them).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeBody = <A, I>(schema: Schema.Schema<A, I>, value: A): Buffer =>
  Buffer.from(JSON.stringify(Schema.encodeSync(schema)(value)), "utf8")

const identifierOf = (schema: Schema.Schema.Any): string => String(schema.ast.annotations[identifierKey] ?? "body")
const identifierKey = Symbol.for("effect/annotation/Identifier")
