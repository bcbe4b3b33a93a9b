import { Command, Options } from "@effect/cli"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import type { TraceRecord } from "../../protocol/TraceData.js"
import { adminCommand, printRows } from "./AdminCli.js"

const decoder = new TextDecoder()

/** A message as a row: where it is, when, its properties and its body as UTF-8 text. */
const messageRow = (m: MessageExt) => ({
  msgId: m.msgId,
  offsetMsgId: m.offsetMsgId,
  topic: m.topic,
  queueId: m.queueId,
  queueOffset: m.queueOffset,
  storeHost: `${m.storeHost.host}:${m.storeHost.port}`,
  bornTimestamp: m.bornTimestamp,
  storeTimestamp: m.storeTimestamp,
  reconsumeTimes: m.reconsumeTimes,
  properties: m.properties,
  body: decoder.decode(m.body)
})

const MESSAGE_COLUMNS = ["msgId", "topic", "queueId", "queueOffset", "storeTimestamp", "body"] as const

const view = adminCommand(
  "view",
  { id: Options.text("id").pipe(Options.withDescription("the offset message id (offsetMsgId of a send result)")) },
  (o, admin) => Effect.flatMap(admin.viewMessage(o.id), (m) => printRows([messageRow(m)], o.table, MESSAGE_COLUMNS))
).pipe(Command.withDescription("Print a message by its offset message id"))

const millis = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

const query = adminCommand(
  "query",
  {
    topic: Options.text("topic").pipe(Options.withDescription("the topic")),
    key: Options.text("key").pipe(Options.withDescription("a key of the message (its KEYS)"), Options.optional),
    uniqueKey: Options.text("unique-key").pipe(
      Options.withDescription("the message id a producer gave (msgId), instead of --key"),
      Options.optional
    ),
    begin: millis("begin", "stored at or after this time, epoch milliseconds (default: any)"),
    end: millis("end", "stored at or before this time, epoch milliseconds (default: any)")
  },
  (o, admin) =>
    Effect.gen(function*() {
      const found = Option.isSome(o.uniqueKey)
        ? yield* admin.queryMessagesByUniqueKey(o.topic, o.uniqueKey.value)
        : yield* admin.queryMessagesByKey({
          topic: o.topic,
          key: Option.getOrElse(o.key, () => ""),
          beginTimestamp: Option.getOrUndefined(o.begin),
          endTimestamp: Option.getOrUndefined(o.end)
        })
      yield* printRows(found.map(messageRow), o.table, MESSAGE_COLUMNS)
    })
).pipe(Command.withDescription("Find a topic's messages by key (in a time range) or by unique key"))

/** A trace record as a row: its type, time and group under the names the other rows use. */
const traceRow = (record: TraceRecord) => ({
  type: record._tag,
  timestamp: record.timeStamp,
  group: record.groupName,
  msgId: record.msgId,
  keys: record.keys,
  topic: "topic" in record ? record.topic : undefined,
  clientHost: record._tag === "Pub" ? record.clientHost : undefined,
  storeHost: "storeHost" in record ? record.storeHost : undefined,
  costTime: "costTime" in record ? record.costTime : undefined,
  success: "success" in record ? record.success : undefined
})

const trace = adminCommand(
  "trace",
  {
    id: Options.text("id").pipe(Options.withDescription("the message id (msgId)")),
    traceTopic: Options.text("trace-topic").pipe(
      Options.withDescription("the topic traces go to (default: RMQ_SYS_TRACE_TOPIC)"),
      Options.optional
    )
  },
  (o, admin) =>
    Effect.flatMap(
      admin.messageTrace(o.id, Option.getOrUndefined(o.traceTopic)),
      (records) =>
        printRows(records.map(traceRow), o.table, [
          "type",
          "timestamp",
          "group",
          "topic",
          "clientHost",
          "storeHost",
          "costTime",
          "success"
        ])
    )
).pipe(Command.withDescription("Print a message's trace: its send and each delivery"))

/**
 * `effect-rocketmq message view|query|trace`.
 */
export const messageCommand = Command.make("message").pipe(
  Command.withDescription("Look messages up"),
  Command.withSubcommands([view, query, trace])
)
