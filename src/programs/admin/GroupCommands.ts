import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { describedWithDefault, integerOption } from "../CliOptions.js"
import { adminCommand, brokerOption, clusterOption, printRows, targetOf } from "./AdminCli.js"
import { progressCommand } from "./ProgressCommand.js"

const group = Options.text("group").pipe(Options.withDescription("the consumer group"))
const flag = (name: string, description: string) =>
  Options.choice(name, ["true", "false"]).pipe(
    Options.withDescription(describedWithDefault(description, "true")),
    Options.map((v) => v === "true"),
    Options.optional
  )

const create = adminCommand(
  "create",
  {
    group,
    retryQueues: integerOption("retry-queues", describedWithDefault("queues of the group's retry topic", 1), {
      min: 0,
      max: 65_535
    }).pipe(Options.optional),
    retryMaxTimes: integerOption(
      "retry-max-times",
      describedWithDefault("deliveries before the dead-letter topic", 16),
      {
        min: 0,
        max: 65_535
      }
    ).pipe(Options.optional),
    broadcast: flag("broadcast-enable", "broadcasting consumption allowed"),
    consume: flag("consume-enable", "consumption allowed"),
    cluster: clusterOption,
    broker: brokerOption
  },
  (o, admin) =>
    Effect.gen(function*() {
      const brokers = yield* admin.createGroup({
        group: o.group,
        retryQueueNums: Option.getOrUndefined(o.retryQueues),
        retryMaxTimes: Option.getOrUndefined(o.retryMaxTimes),
        consumeBroadcastEnable: Option.getOrUndefined(o.broadcast),
        consumeEnable: Option.getOrUndefined(o.consume),
        ...targetOf(o.cluster, o.broker)
      })
      yield* printRows(brokers.map((b) => ({ group: o.group, ...b })), o.table, [
        "group",
        "cluster",
        "brokerName",
        "address"
      ])
    })
).pipe(Command.withDescription("Create or update a consumer group (subscription group) on brokers"))

const remove = adminCommand(
  "delete",
  {
    group,
    removeOffset: Options.boolean("remove-offset").pipe(Options.withDescription("also drop the group's offsets")),
    cluster: clusterOption,
    broker: brokerOption
  },
  (o, admin) =>
    Effect.flatMap(
      admin.deleteGroup(o.group, { removeOffset: o.removeOffset, ...targetOf(o.cluster, o.broker) }),
      (brokers) =>
        printRows(brokers.map((b) => ({ group: o.group, ...b, deleted: true })), o.table, [
          "group",
          "brokerName",
          "deleted"
        ])
    )
).pipe(Command.withDescription("Delete a consumer group from brokers"))

const connections = adminCommand(
  "connections",
  { group },
  (o, admin) =>
    Effect.flatMap(admin.groupConnections(o.group), (c) =>
      printRows(
        c.connectionSet.map((x) => ({ ...x, messageModel: c.messageModel, consumeType: c.consumeType })),
        o.table,
        ["clientId", "clientAddr", "language", "version", "messageModel", "consumeType"]
      ))
).pipe(
  Command.withDescription("List the consumers of a group online: client id, address, language, version")
)

/** A point in time: epoch milliseconds, -1 (the end of each queue), `now`, or an ISO-8601 date. */
const timestamp = Options.text("timestamp").pipe(
  Options.withDescription("epoch milliseconds, an ISO-8601 date, now, or -1 for the end of each queue"),
  Options.mapEffect((text) => {
    const millis = text === "now" ? Date.now() : /^-?\d+$/.test(text) ? Number(text) : Date.parse(text)
    return Number.isSafeInteger(millis) && millis >= -1
      ? Effect.succeed(millis)
      : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--timestamp: ${JSON.stringify(text)} is not a time`)))
  })
)

const resetOffset = adminCommand(
  "reset-offset",
  {
    group,
    topic: Options.text("topic").pipe(Options.withDescription("the topic")),
    timestamp,
    backOnly: Options.boolean("back-only").pipe(
      Options.withDescription("only move offsets back, never forward (mqadmin's -f false)")
    )
  },
  (o, admin) =>
    Effect.gen(function*() {
      const result = yield* admin.resetOffset({
        group: o.group,
        topic: o.topic,
        timestamp: o.timestamp,
        force: !o.backOnly
      })
      yield* Console.error(
        `offsets reset ${result.mode === "live" ? "by the brokers (consumers online)" : "offline"}`
      )
      yield* printRows(result.queues.map((q) => ({ mode: result.mode, ...q })), o.table, [
        "mode",
        "topic",
        "brokerName",
        "queueId",
        "offset",
        "consumerOffset",
        "brokerOffset"
      ])
    })
).pipe(Command.withDescription("Reset a group's offsets on a topic to a point in time"))

/**
 * `effect-rocketmq group create|delete|connections|progress|reset-offset`.
 */
export const groupCommand = Command.make("group").pipe(
  Command.withDescription("Administer consumer groups"),
  Command.withSubcommands([create, remove, connections, progressCommand, resetOffset])
)
