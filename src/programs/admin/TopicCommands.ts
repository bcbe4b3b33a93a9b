import { Command, Options } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { describedWithDefault, integerOption } from "../CliOptions.js"
import { adminCommand, brokerOption, clusterOption, printRows, targetOf } from "./AdminCli.js"

const topic = Options.text("topic").pipe(Options.withDescription("the topic"))
const queues = (name: string, what: string) =>
  integerOption(name, describedWithDefault(what, 8), { min: 1, max: 65_535 }).pipe(Options.withDefault(8))
const perm = integerOption("perm", describedWithDefault("permission: 2 write, 4 read, 6 both", 6), { min: 0, max: 7 })
  .pipe(Options.withDefault(6))

const create = adminCommand(
  "create",
  {
    topic,
    readQueues: queues("read-queues", "read queues on each broker"),
    writeQueues: queues("write-queues", "write queues on each broker"),
    perm,
    cluster: clusterOption,
    broker: brokerOption
  },
  (o, admin) =>
    Effect.flatMap(
      admin.createTopic({
        topic: o.topic,
        readQueueNums: o.readQueues,
        writeQueueNums: o.writeQueues,
        perm: o.perm,
        ...targetOf(o.cluster, o.broker)
      }),
      (brokers) =>
        printRows(
          brokers.map((b) => ({ topic: o.topic, ...b, readQueueNums: o.readQueues, writeQueueNums: o.writeQueues })),
          o.table,
          ["topic", "cluster", "brokerName", "address", "readQueueNums", "writeQueueNums"]
        )
    )
).pipe(Command.withDescription("Create or update a topic on a cluster's master brokers, or on one broker"))

const remove = adminCommand(
  "delete",
  { topic, cluster: clusterOption },
  (o, admin) =>
    Effect.zipRight(
      admin.deleteTopic(o.topic, targetOf(o.cluster)),
      Console.log(JSON.stringify({ topic: o.topic, deleted: true }))
    )
).pipe(Command.withDescription("Delete a topic from the brokers and the name servers"))

const list = adminCommand(
  "list",
  {},
  (o, admin) =>
    Effect.flatMap(admin.listTopics, (topics) => printRows(topics.map((t) => ({ topic: t })), o.table, ["topic"]))
).pipe(Command.withDescription("List every topic the name servers know"))

const route = adminCommand(
  "route",
  { topic },
  (o, admin) => Effect.flatMap(admin.topicRoute(o.topic), (r) => Console.log(JSON.stringify({ topic: o.topic, ...r })))
).pipe(Command.withDescription("Print a topic's route (brokers and queues) as JSON"))

const stats = adminCommand(
  "stats",
  { topic },
  (o, admin) =>
    Effect.flatMap(
      admin.topicStats(o.topic),
      (rows) => printRows(rows, o.table, ["brokerName", "queueId", "minOffset", "maxOffset", "lastUpdateTimestamp"])
    )
).pipe(Command.withDescription("Print each queue of a topic with its min and max offsets and last update"))

/**
 * `effect-rocketmq topic create|delete|list|route|stats`.
 */
export const topicCommand = Command.make("topic").pipe(
  Command.withDescription("Administer topics"),
  Command.withSubcommands([create, remove, list, route, stats])
)

const brokers = adminCommand(
  "list",
  {},
  (o, admin) =>
    Effect.gen(function*() {
      const rows = yield* Effect.forEach(yield* admin.clusterBrokers, (b) =>
        Effect.map(admin.brokerRuntimeInfo(b.address), (info) => ({
          ...b,
          version: info.brokerVersionDesc,
          msgPutTotalTodayNow: info.msgPutTotalTodayNow === undefined ? undefined : Number(info.msgPutTotalTodayNow),
          msgGetTotalTodayNow: info.msgGetTotalTodayNow === undefined ? undefined : Number(info.msgGetTotalTodayNow)
        })))
      yield* printRows(rows, o.table, [
        "cluster",
        "brokerName",
        "brokerId",
        "address",
        "version",
        "msgPutTotalTodayNow",
        "msgGetTotalTodayNow"
      ])
    })
).pipe(Command.withDescription("List every broker of every cluster"))

/**
 * `effect-rocketmq cluster list`: every broker of every cluster, with its version and messages stored.
 */
export const clusterCommand = Command.make("cluster").pipe(
  Command.withDescription("Show clusters"),
  Command.withSubcommands([brokers])
)
