import type { TraceHop } from "../../services/Admin.js"

/** Java: `TraceConstants.CONTENT_SPLITOR` between the fields of a record, `FIELD_SPLITOR` between records. */
const CONTENT_SPLITOR = String.fromCharCode(1)
const FIELD_SPLITOR = String.fromCharCode(2)

const int = (text: string | undefined) => text === undefined || text === "" ? undefined : Number(text)
const bool = (text: string | undefined) => text === undefined ? undefined : text.toLowerCase() === "true"

/** One record, by its type's field layout; `undefined` for a type it does not know. */
const decodeRecord = (line: ReadonlyArray<string>): TraceHop | undefined => {
  switch (line[0]) {
    case "Pub":
      return {
        type: "Pub",
        timestamp: int(line[1]),
        region: line[2],
        group: line[3],
        topic: line[4],
        msgId: line[5] ?? "",
        tags: line[6],
        keys: line[7],
        storeHost: line[8],
        costTime: int(line[10]),
        success: bool(line.length === 13 ? line[12] : line[13]),
        clientHost: line.length >= 15 ? line[14] : undefined
      }
    case "SubBefore":
      return {
        type: "SubBefore",
        timestamp: int(line[1]),
        region: line[2],
        group: line[3],
        requestId: line[4],
        msgId: line[5] ?? "",
        retryTimes: int(line[6]),
        keys: line[7]
      }
    case "SubAfter":
      return {
        type: "SubAfter",
        requestId: line[1],
        msgId: line[2] ?? "",
        costTime: int(line[3]),
        success: bool(line[4]),
        keys: line[5],
        timestamp: line.length >= 9 ? int(line[7]) : undefined,
        group: line.length >= 9 ? line[8] : undefined
      }
    case "EndTransaction":
      return {
        type: "EndTransaction",
        timestamp: int(line[1]),
        region: line[2],
        group: line[3],
        topic: line[4],
        msgId: line[5] ?? "",
        tags: line[6],
        keys: line[7],
        storeHost: line[8]
      }
    default:
      return undefined
  }
}

/**
 * The records of a trace message's body (Java: `TraceDataEncoder.decoderFromTraceDataString`): records split by
 * char 2, fields by char 1, laid out by their type. A local reader of Java's trace format for the admin API's
 * `messageTrace`.
 *
 * @since 0.1.0
 * @category admin
 */
export const decodeTraceBody = (text: string): ReadonlyArray<TraceHop> =>
  text.split(FIELD_SPLITOR).flatMap((record) => {
    if (record.length === 0) return []
    const hop = decodeRecord(record.split(CONTENT_SPLITOR))
    return hop === undefined ? [] : [hop]
  })
