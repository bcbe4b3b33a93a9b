import { Command, Options } from "@effect/cli"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ConsumeProgress } from "../../services/Admin.js"
import { describedWithDefault, integerOption } from "../CliOptions.js"
import { adminCommand, formatTable } from "./AdminCli.js"

const group = Options.text("group").pipe(Options.withDescription("the consumer group"))
const topic = Options.text("topic").pipe(
  Options.withDescription("only this topic (default: every topic)"),
  Options.optional
)
const watch = Options.boolean("watch").pipe(
  Options.withDescription("refresh every --interval seconds, with the rate consumed since the last refresh")
)
const interval = integerOption("interval", describedWithDefault("seconds between refreshes with --watch", 5), {
  min: 1,
  max: 86_400
}).pipe(Options.withDefault(5))
const refreshes = integerOption("refreshes", "with --watch, stop after this many refreshes (default: until Ctrl-C)", {
  min: 1,
  max: Number.MAX_SAFE_INTEGER
}).pipe(Options.optional)

const QUEUE_COLUMNS = [
  "topic",
  "brokerName",
  "queueId",
  "brokerOffset",
  "consumerOffset",
  "lag",
  "lastTimestamp"
] as const

/** The sum of a progress's consumer offsets: what the group has consumed, for the rate between two refreshes. */
const consumed = (p: ConsumeProgress) => p.queues.reduce((sum, q) => sum + q.consumerOffset, 0)

/** One refresh: a line per queue and a last line with the totals (and the rate since the last refresh, if any). */
const print = (progress: ConsumeProgress, table: boolean, rate: number | undefined) => {
  const totals = { group: progress.group, totalLag: progress.totalLag, consumeTps: progress.consumeTps, rate }
  if (table) {
    return Console.log(
      `${formatTable(QUEUE_COLUMNS, progress.queues)}\n\nConsume TPS: ${progress.consumeTps.toFixed(2)}${
        rate === undefined ? "" : `\nRate: ${rate.toFixed(2)} msg/s`
      }\nDiff Total: ${progress.totalLag}`
    )
  }
  return Effect.zipRight(
    Effect.forEach(progress.queues, (q) => Console.log(JSON.stringify(q)), { discard: true }),
    Console.log(JSON.stringify(totals))
  )
}

/**
 * `effect-rocketmq group progress --group G [--topic T] [--watch [--interval S] [--refreshes N]] [--table]`: each
 * queue's broker offset, consumer offset and lag, then the total lag (Java: `mqadmin consumerProgress`). With
 * `--watch` it refreshes every `--interval` seconds (Clock time) and adds the rate consumed since the last refresh.
 */
export const progressCommand = adminCommand(
  "progress",
  { group, topic, watch, interval, refreshes },
  (o, admin) =>
    Effect.gen(function*() {
      const read = admin.consumeProgress(o.group, Option.getOrUndefined(o.topic))
      const rounds = o.watch ? Option.getOrElse(o.refreshes, () => Number.POSITIVE_INFINITY) : 1
      let last: { readonly consumed: number; readonly at: number } | undefined
      for (let round = 0; round < rounds; round++) {
        if (round > 0) yield* Effect.sleep(`${o.interval} seconds`)
        const progress = yield* read
        const at = yield* Clock.currentTimeMillis
        const rate = last === undefined
          ? undefined
          : (consumed(progress) - last.consumed) * 1000 / Math.max(at - last.at, 1)
        yield* print(progress, o.table, rate)
        last = { consumed: consumed(progress), at }
      }
    })
).pipe(Command.withDescription("Print a consumer group's progress: each queue's offsets and lag, and the total lag"))
