import * as Either from "effect/Either"
import { KEY_SEPARATOR } from "./MessageConst.js"
import { ProtocolError } from "./ProtocolError.js"

/**
 * The separator of a trace record's fields (Java: `TraceConstants.CONTENT_SPLITOR`, `(char) 1`).
 *
 * @since 0.1.0
 * @category message trace
 */
export const CONTENT_SPLITOR = "\u0001"

/**
 * The end of each trace record (Java: `TraceConstants.FIELD_SPLITOR`, `(char) 2`).
 *
 * @since 0.1.0
 * @category message trace
 */
export const FIELD_SPLITOR = "\u0002"

/**
 * The topic trace records go to by default (Java: `TopicValidator.RMQ_SYS_TRACE_TOPIC`).
 *
 * @since 0.1.0
 * @category message trace
 */
export const RMQ_SYS_TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC"

/**
 * The kinds of message in a trace record, by ordinal (Java: `MessageType`; `Order_Msg` is 5.x's).
 *
 * @since 0.1.0
 * @category message trace
 */
export const TRACE_MESSAGE_TYPES = [
  "Normal_Msg",
  "Trans_Msg_Half",
  "Trans_msg_Commit",
  "Delay_Msg",
  "Order_Msg"
] as const

/**
 * The kind of message a trace record is about (Java: `MessageType`).
 *
 * @since 0.1.0
 * @category message trace
 */
export type TraceMessageType = typeof TRACE_MESSAGE_TYPES[number]

/**
 * A transaction's outcome in an EndTransaction record (Java: `LocalTransactionState`).
 *
 * @since 0.1.0
 * @category message trace
 */
export type TraceTransactionState = "COMMIT_MESSAGE" | "ROLLBACK_MESSAGE" | "UNKNOW"

/**
 * A send as the producer saw it (Java: `TraceType.Pub`). Fields Java may leave null (`tags`, `keys`, `regionId`)
 * are undefined here and travel as Java prints a null, `null`.
 *
 * @since 0.1.0
 * @category message trace
 */
export interface PubTrace {
  readonly _tag: "Pub"
  /** When the send (its successful try) started, epoch milliseconds. */
  readonly timeStamp: number
  readonly regionId: string | undefined
  readonly groupName: string
  readonly topic: string
  /** The unique client id (`UNIQ_KEY`); a batch's ids joined by commas. */
  readonly msgId: string
  readonly tags: string | undefined
  /** The message's keys as they travel, joined by spaces. */
  readonly keys: string | undefined
  /** The broker's address. */
  readonly storeHost: string
  readonly bodyLength: number
  readonly costTime: number
  readonly msgType: TraceMessageType
  readonly offsetMsgId: string
  readonly success: boolean
  /** Written by 5.x clients only (a 15th field); 4.9.8 writes 14. */
  readonly clientHost?: string | undefined
}

/**
 * A message handed to a consumer's handler (Java: `TraceType.SubBefore`).
 *
 * @since 0.1.0
 * @category message trace
 */
export interface SubBeforeTrace {
  readonly _tag: "SubBefore"
  readonly timeStamp: number
  readonly regionId: string | undefined
  readonly groupName: string
  /** The id shared by the SubBefore and SubAfter records of one consume. */
  readonly requestId: string
  readonly msgId: string
  readonly retryTimes: number
  readonly keys: string | undefined
}

/**
 * What the handler made of a message (Java: `TraceType.SubAfter`); `timeStamp` and `groupName` are absent from the
 * records of older clients.
 *
 * @since 0.1.0
 * @category message trace
 */
export interface SubAfterTrace {
  readonly _tag: "SubAfter"
  readonly requestId: string
  readonly msgId: string
  /** The batch's consume time divided by its message count (Java's integer division). */
  readonly costTime: number
  readonly success: boolean
  readonly keys: string | undefined
  /** Java: `ConsumeReturnType` ordinal: 0 SUCCESS, 1 TIME_OUT, 2 EXCEPTION, 3 RETURNNULL, 4 FAILED. */
  readonly contextCode: number
  readonly timeStamp?: number | undefined
  readonly groupName?: string | undefined
}

/**
 * A transaction ended by the producer or by its answer to a check (Java: `TraceType.EndTransaction`).
 *
 * @since 0.1.0
 * @category message trace
 */
export interface EndTransactionTrace {
  readonly _tag: "EndTransaction"
  readonly timeStamp: number
  readonly regionId: string | undefined
  readonly groupName: string
  readonly topic: string
  readonly msgId: string
  readonly tags: string | undefined
  readonly keys: string | undefined
  readonly storeHost: string
  readonly msgType: TraceMessageType
  readonly transactionId: string | undefined
  readonly transactionState: TraceTransactionState
  readonly fromTransactionCheck: boolean
}

/**
 * One trace record (one line of a trace message's body).
 *
 * @since 0.1.0
 * @category message trace
 */
export type TraceRecord = PubTrace | SubBeforeTrace | SubAfterTrace | EndTransactionTrace

/** A value as Java's `StringBuilder.append` prints it: a null as `null`. */
const text = (value: string | undefined): string => value ?? "null"
/** Java's `null` read back as undefined. */
const nullable = (value: string): string | undefined => value === "null" ? undefined : value

/**
 * The text of one record, ending with `FIELD_SPLITOR` (Java: `TraceDataEncoder.encoderFromContextBean`, one bean):
 * Java's field order for each type, a null printed `null`, booleans `true`/`false`, the message type its ordinal.
 *
 * @since 0.1.0
 * @category message trace
 */
export const encodeTraceRecord = (record: TraceRecord): string => {
  switch (record._tag) {
    case "Pub":
      return join([
        "Pub",
        record.timeStamp,
        text(record.regionId),
        record.groupName,
        record.topic,
        record.msgId,
        text(record.tags),
        text(record.keys),
        record.storeHost,
        record.bodyLength,
        record.costTime,
        TRACE_MESSAGE_TYPES.indexOf(record.msgType),
        record.offsetMsgId,
        record.success,
        ...(record.clientHost === undefined ? [] : [record.clientHost])
      ])
    case "SubBefore":
      return join([
        "SubBefore",
        record.timeStamp,
        text(record.regionId),
        record.groupName,
        record.requestId,
        record.msgId,
        record.retryTimes,
        text(record.keys)
      ])
    case "SubAfter":
      return join([
        "SubAfter",
        record.requestId,
        record.msgId,
        record.costTime,
        record.success,
        text(record.keys),
        record.contextCode,
        ...(record.timeStamp === undefined ? [] : [record.timeStamp, record.groupName ?? ""])
      ])
    case "EndTransaction":
      return join([
        "EndTransaction",
        record.timeStamp,
        text(record.regionId),
        record.groupName,
        record.topic,
        record.msgId,
        text(record.tags),
        text(record.keys),
        record.storeHost,
        TRACE_MESSAGE_TYPES.indexOf(record.msgType),
        text(record.transactionId),
        record.transactionState,
        record.fromTransactionCheck
      ])
  }
}

const join = (fields: ReadonlyArray<string | number | boolean>) => fields.join(CONTENT_SPLITOR) + FIELD_SPLITOR

/**
 * The keys a trace message is indexed by for a record (Java: `TraceTransferBean.transKey`): the message id, then
 * the message's keys, so that `mqadmin queryMsgTraceById` finds it.
 *
 * @since 0.1.0
 * @category message trace
 */
export const traceKeys = (record: TraceRecord): ReadonlyArray<string> =>
  record.keys === undefined || record.keys.length === 0
    ? [record.msgId]
    : [record.msgId, ...record.keys.split(KEY_SEPARATOR)]

/**
 * The body and keys of one trace message holding `records` (Java: `AsyncDataSendTask`: the records' text joined,
 * their keys as a set).
 *
 * @since 0.1.0
 * @category message trace
 */
export const encodeTraceData = (
  records: Iterable<TraceRecord>
): { readonly data: string; readonly keys: ReadonlyArray<string> } => {
  let data = ""
  const keys = new Set<string>()
  for (const record of records) {
    data += encodeTraceRecord(record)
    for (const key of traceKeys(record)) if (key.length > 0) keys.add(key)
  }
  return { data, keys: [...keys] }
}

/**
 * The records of a trace message's body (Java: `TraceDataEncoder.decoderFromTraceDataString`): records of an unknown
 * type are skipped, as Java skips them; the older layouts Java reads are read too (a Pub of 13 fields, a SubAfter of
 * 6 or 7). A missing field or a bad number is a `ProtocolError` naming the record (its index) and the field.
 *
 * @since 0.1.0
 * @category message trace
 */
export const decodeTraceData = (data: string): Either.Either<ReadonlyArray<TraceRecord>, ProtocolError> => {
  const records: Array<TraceRecord> = []
  const lines = data.split(FIELD_SPLITOR)
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.length === 0) continue
    const decoded = decodeLine(lines[i]!.split(CONTENT_SPLITOR), i)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    if (decoded.right !== undefined) records.push(decoded.right)
  }
  return Either.right(records)
}

/** Reads the fields of one record by position, failing on the first missing or malformed one. */
class Fields {
  constructor(private readonly line: ReadonlyArray<string>, private readonly index: number) {}
  get length() {
    return this.line.length
  }
  fail(position: number, what: string): never {
    throw new ProtocolError({
      reason: `trace record ${this.index} (${this.line[0]}): field ${position} ${what}`,
      offset: this.index
    })
  }
  string(position: number): string {
    // Java's `split` drops trailing empty fields; an empty last field reads as "".
    return this.line[position] ?? ""
  }
  int(position: number): number {
    const value = this.line[position]
    if (value === undefined) this.fail(position, "is missing")
    if (!/^-?\d+$/.test(value)) this.fail(position, `is not a number: ${JSON.stringify(value)}`)
    return Number(value)
  }
  bool(position: number): boolean {
    // Java: `Boolean.parseBoolean`, true for "true" in any case, false for anything else.
    return this.string(position).toLowerCase() === "true"
  }
  msgType(position: number): TraceMessageType {
    const type = TRACE_MESSAGE_TYPES[this.int(position)]
    return type ?? this.fail(position, "is not a message type ordinal")
  }
}

const TRANSACTION_STATES: ReadonlyArray<string> = ["COMMIT_MESSAGE", "ROLLBACK_MESSAGE", "UNKNOW"]

const decodeLine = (
  line: ReadonlyArray<string>,
  index: number
): Either.Either<TraceRecord | undefined, ProtocolError> =>
  Either.try({
    try: () => readRecord(new Fields(line, index), line[0]!),
    catch: (error) =>
      error instanceof ProtocolError ? error : new ProtocolError({ reason: String(error), offset: index })
  })

const readRecord = (f: Fields, type: string): TraceRecord | undefined => {
  switch (type) {
    case "Pub": {
      const long = f.length >= 14
      return {
        _tag: "Pub",
        timeStamp: f.int(1),
        regionId: nullable(f.string(2)),
        groupName: f.string(3),
        topic: f.string(4),
        msgId: f.string(5),
        tags: nullable(f.string(6)),
        keys: nullable(f.string(7)),
        storeHost: f.string(8),
        bodyLength: f.int(9),
        costTime: f.int(10),
        msgType: f.msgType(11),
        offsetMsgId: long ? f.string(12) : "",
        success: f.bool(long ? 13 : 12),
        ...(f.length >= 15 ? { clientHost: f.string(14) } : {})
      }
    }
    case "SubBefore":
      return {
        _tag: "SubBefore",
        timeStamp: f.int(1),
        regionId: nullable(f.string(2)),
        groupName: f.string(3),
        requestId: f.string(4),
        msgId: f.string(5),
        retryTimes: f.int(6),
        keys: nullable(f.string(7))
      }
    case "SubAfter":
      return {
        _tag: "SubAfter",
        requestId: f.string(1),
        msgId: f.string(2),
        costTime: f.int(3),
        success: f.bool(4),
        keys: nullable(f.string(5)),
        contextCode: f.length >= 7 ? f.int(6) : 0,
        ...(f.length >= 9 ? { timeStamp: f.int(7), groupName: f.string(8) } : {})
      }
    case "EndTransaction": {
      const state = f.string(11)
      if (!TRANSACTION_STATES.includes(state)) f.fail(11, `is not a transaction state: ${JSON.stringify(state)}`)
      return {
        _tag: "EndTransaction",
        timeStamp: f.int(1),
        regionId: nullable(f.string(2)),
        groupName: f.string(3),
        topic: f.string(4),
        msgId: f.string(5),
        tags: nullable(f.string(6)),
        keys: nullable(f.string(7)),
        storeHost: f.string(8),
        msgType: f.msgType(9),
        transactionId: nullable(f.string(10)),
        transactionState: state as TraceTransactionState,
        fromTransactionCheck: f.bool(12)
      }
    }
    default:
      return undefined
  }
}
