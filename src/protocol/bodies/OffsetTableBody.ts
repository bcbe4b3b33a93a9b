import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { parseFastJson, stringifyFastJson } from "../FastJson.js"
import { MessageQueue } from "../MessageQueue.js"

const OffsetEntry = Schema.Tuple(MessageQueue, Schema.Number)

/**
 * The entries of a fastjson `Map<MessageQueue, Long>` parsed with `parseFastJson` (its keys are the queues' JSON).
 *
 * @since 0.1.0
 * @category bodies
 */
export const queueOffsetEntries = (
  table: unknown
): Either.Either<ReadonlyArray<readonly [MessageQueue, number]>, string> =>
  Either.gen(function*() {
    if (table === null || typeof table !== "object") return yield* Either.left("not a queue table object")
    const entries: Array<readonly [MessageQueue, number]> = []
    for (const [key, offset] of Object.entries(table)) {
      const queue = yield* Either.try({ try: () => JSON.parse(key) as unknown, catch: () => `bad key ${key}` })
      entries.push(
        yield* Either.mapLeft(
          Schema.decodeUnknownEither(OffsetEntry)([queue, offset]),
          () => `bad entry ${key}: ${String(offset)}`
        )
      )
    }
    return entries
  })

/**
 * A fastjson `Map<MessageQueue, Long>` as `stringifyFastJson` writes it: each queue object a key.
 *
 * @since 0.1.0
 * @category bodies
 */
export const queueOffsetMap = (
  entries: ReadonlyArray<readonly [MessageQueue, number]>
): Map<{ brokerName: string; queueId: number; topic: string }, number> =>
  new Map(entries.map(([q, o]) => [{ brokerName: q.brokerName, queueId: q.queueId, topic: q.topic }, o]))

/**
 * Reads a body or file holding `{"offsetTable":{{"brokerName":"a","queueId":0,"topic":"T"}:42,...}}`, as fastjson
 * writes a `Map<MessageQueue, Long>` (Java: `ResetOffsetBody` of RESET_CONSUMER_CLIENT_OFFSET, and
 * `OffsetSerializeWrapper`, the local offset store's file).
 *
 * @since 0.1.0
 * @category bodies
 */
export const parseOffsetTable = (
  text: string
): Either.Either<ReadonlyArray<readonly [MessageQueue, number]>, string> =>
  Either.gen(function*() {
    const json = yield* Either.mapLeft(parseFastJson(text), (e) => e.message)
    const table = json !== null && typeof json === "object"
      ? (json as { offsetTable?: unknown }).offsetTable
      : undefined
    if (table === null || typeof table !== "object") return yield* Either.left("no offsetTable object")
    return yield* queueOffsetEntries(table)
  })

/**
 * Writes `{"offsetTable":{...}}` as fastjson does, queue objects as keys (see {@link parseOffsetTable}).
 *
 * @since 0.1.0
 * @category bodies
 */
export const formatOffsetTable = (entries: ReadonlyArray<readonly [MessageQueue, number]>): string =>
  stringifyFastJson({ offsetTable: queueOffsetMap(entries) })

/**
 * What a consumer answers to CONSUME_MESSAGE_DIRECTLY (Java: `CMResult`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const CMResult = Schema.Literal(
  "CR_SUCCESS",
  "CR_LATER",
  "CR_ROLLBACK",
  "CR_COMMIT",
  "CR_THROW_EXCEPTION",
  "CR_RETURN_NULL"
)

/**
 * The body of a CONSUME_MESSAGE_DIRECTLY response (Java: `ConsumeMessageDirectlyResult`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumeMessageDirectlyResult = Schema.Struct({
  autoCommit: Schema.Boolean,
  consumeResult: CMResult,
  order: Schema.Boolean,
  remark: Schema.optional(Schema.String),
  spentTimeMills: Schema.Number
}).annotations({ identifier: "ConsumeMessageDirectlyResult" })

/** @since 0.1.0 @category bodies */
export type ConsumeMessageDirectlyResult = Schema.Schema.Type<typeof ConsumeMessageDirectlyResult>
