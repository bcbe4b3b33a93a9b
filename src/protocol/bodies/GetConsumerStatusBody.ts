import * as Either from "effect/Either"
import { parseFastJson, stringifyFastJson } from "../FastJson.js"
import type { MessageQueue } from "../MessageQueue.js"
import { queueOffsetEntries, queueOffsetMap } from "./OffsetTableBody.js"

/**
 * The body of a GET_CONSUMER_STATUS_FROM_CLIENT (221) answer as the Java client writes it (Java:
 * `GetConsumerStatusBody`, fastjson with its fields in name order): the group's offsets of the topic in
 * `messageQueueTable`, each queue object a key, and an empty `consumerTable` (filled only by the broker when it
 * gathers the answers of every client of the group):
 * `{"consumerTable":{},"messageQueueTable":{{"brokerName":"a","queueId":0,"topic":"T"}:42}}`.
 *
 * @since 0.1.0
 * @category bodies
 */
export const encodeGetConsumerStatusBody = (entries: ReadonlyArray<readonly [MessageQueue, number]>): Buffer =>
  Buffer.from(stringifyFastJson({ consumerTable: {}, messageQueueTable: queueOffsetMap(entries) }), "utf8")

/**
 * Reads the `messageQueueTable` of a GET_CONSUMER_STATUS_FROM_CLIENT answer (see `encodeGetConsumerStatusBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const parseGetConsumerStatusBody = (
  body: Uint8Array
): Either.Either<ReadonlyArray<readonly [MessageQueue, number]>, string> =>
  Either.flatMap(
    Either.mapLeft(parseFastJson(Buffer.from(body).toString("utf8")), (e) => e.message),
    (json) =>
      queueOffsetEntries(
        json !== null && typeof json === "object" ? (json as { messageQueueTable?: unknown }).messageQueueTable : null
      )
  )
