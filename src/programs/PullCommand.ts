import { Command, Options } from "@effect/cli"
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as ClientLive from "../layers/ClientLive.js"
import * as LitePullConsumerLive from "../layers/LitePullConsumerLive.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import { messageQueueKey } from "../protocol/MessageQueue.js"
import type { LitePullConsumerService } from "../services/LitePullConsumer.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import {
  checkGroupName,
  checkTopicName,
  clientOverrides,
  countOption,
  describedWithDefault,
  integerOption,
  namesrvOption,
  timeoutOption,
  TopicNotFoundError,
  UsageError
} from "./CliOptions.js"
import { allowEmpty, messageLine, NothingConsumedError } from "./ConsumeCommand.js"
import { reportProgress } from "./Progress.js"

const topic = Options.text("topic").pipe(Options.withDescription("the topic to pull"))
const group = Options.text("group").pipe(
  Options.withDescription("the consumer group (default: a new group of its own, which commits nothing)"),
  Options.optional
)
const expression = Options.text("expression").pipe(
  Options.withDescription(describedWithDefault("a tag expression such as 'TagA || TagB' (subscribe mode)", "*")),
  Options.withDefault("*")
)
const queue = integerOption("queue", "assign mode: pull this queue id (on every broker, or --broker's)", {
  min: 0,
  max: 65_535,
  what: "a queue id from 0 to 65535"
}).pipe(Options.optional)
const broker = Options.text("broker").pipe(
  Options.withDescription("assign mode: only the queue of this broker"),
  Options.optional
)
const offset = integerOption(
  "offset",
  "assign mode: start at this offset (default: the committed offset, else the first)",
  {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    what: "an offset, 0 or more"
  }
).pipe(Options.optional)
const count = countOption
const timeout = timeoutOption("exit after this many seconds")

/** The queues `--queue` (and `--broker`) name, of the topic's readable queues. */
const queuesNamed = (
  consumer: LitePullConsumerService,
  topicName: string,
  queueId: number,
  brokerName: Option.Option<string>
) =>
  Effect.gen(function*() {
    const all = yield* consumer.fetchMessageQueues(topicName)
    const named = all.filter((q) =>
      q.queueId === queueId && Option.getOrElse(Option.map(brokerName, (b) => b === q.brokerName), () => true)
    )
    if (named.length === 0) {
      return yield* new UsageError({
        reason: `--queue ${queueId}${Option.isSome(brokerName) ? ` --broker ${brokerName.value}` : ""}: no such ` +
          `queue of ${topicName} (it has ${all.map((q) => `${q.brokerName}#${q.queueId}`).join(", ")})`
      })
    }
    return named
  })

/**
 * Prints batches until `limit` messages are printed; after each batch, with a group, commits what was printed (never
 * a message past the count: the consumer's own auto-commit is off).
 */
const printBatches = (
  consumer: LitePullConsumerService,
  limit: number,
  printed: Ref.Ref<number>,
  commit: boolean
) =>
  Effect.gen(function*() {
    while ((yield* Ref.get(printed)) < limit) {
      const batch = yield* consumer.pollBatch("1 second")
      if (batch === undefined) continue
      const room = limit - (yield* Ref.get(printed))
      const shown = batch.messages.slice(0, room)
      for (const m of shown) yield* Console.log(messageLine(m))
      yield* Ref.update(printed, (n) => n + shown.length)
      if (commit) {
        const next = shown.length === batch.messages.length ? batch.nextOffset : shown.at(-1)!.queueOffset + 1
        yield* Effect.ignoreLogged(consumer.commit([[batch.queue, next]], false))
      }
    }
  })

/**
 * `effect-rocketmq pull`: a lite pull consumer that prints one JSON line per message (the fields of `consume`) and
 * exits after `--count` messages or `--timeout` seconds. Without `--queue` it subscribes (a group with no committed
 * offset starts at the first); with `--queue N` it is assigned that queue id (on every broker, or `--broker`'s), from
 * `--offset`, else the committed offset, else the first. With `--group`, what is printed is committed, and nothing
 * past `--count`; without, a new group of its own commits nothing. Nothing pulled before the timeout is exit code 1,
 * unless `--allow-empty`.
 */
export const pullCommand = Command.make(
  "pull",
  { namesrv: namesrvOption, topic, group, expression, queue, broker, offset, count, timeout, allowEmpty },
  (options) =>
    Effect.gen(function*() {
      yield* checkTopicName(options.topic)
      if (Option.isSome(options.group)) yield* checkGroupName(options.group.value)
      if (Option.isNone(options.queue) && (Option.isSome(options.offset) || Option.isSome(options.broker))) {
        return yield* new UsageError({ reason: "--offset and --broker go with --queue (assign mode)" })
      }
      const overrides = yield* clientOverrides(options.namesrv)
      const limit = Option.getOrElse(options.count, () => Number.POSITIVE_INFINITY)
      const ownGroup = `effect_rocketmq_pull_${(yield* Random.nextIntBetween(0, 2 ** 31)).toString(16)}`
      const printed = yield* Ref.make(0)
      const pull = Effect.gen(function*() {
        const { route } = yield* Effect.flatMap(TopicRouteCache, (routes) => routes.refresh(options.topic))
        if (Option.isNone(route)) return yield* new TopicNotFoundError({ topic: options.topic })
        const consumer = yield* LitePullConsumerLive.make({
          group: Option.getOrElse(options.group, () => ownGroup),
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
          autoCommit: false
        })
        if (Option.isNone(options.queue)) {
          yield* consumer.subscribe(options.topic, options.expression)
        } else {
          const queues: ReadonlyArray<MessageQueue> = yield* queuesNamed(
            consumer,
            options.topic,
            options.queue.value,
            options.broker
          )
          yield* consumer.assign(queues)
          if (Option.isSome(options.offset)) {
            const start = options.offset.value
            yield* Effect.forEach(queues, (q) => consumer.seek(q, start), { discard: true })
          }
          yield* Effect.logDebug(`assigned ${queues.map(messageQueueKey).join(", ")}`)
        }
        yield* reportProgress("pulled", printed)
        yield* Effect.timeoutOption(
          printBatches(consumer, limit, printed, Option.isSome(options.group)),
          Duration.seconds(options.timeout)
        )
      })
      const report = Effect.flatMap(Ref.get(printed), (n) =>
        Console.error(`pulled ${n} message(s) from ${options.topic}`))
      yield* Effect.scoped(pull).pipe(
        Effect.provide(
          ClientLive.layerFromEnv(overrides).pipe(
            Layer.provide(NodeHttpClient.layer),
            Layer.merge(NodeFileSystem.layer)
          )
        ),
        Effect.onInterrupt(() =>
          report
        )
      )
      yield* report
      if ((yield* Ref.get(printed)) === 0 && !options.allowEmpty) {
        return yield* new NothingConsumedError({ topic: options.topic, seconds: options.timeout })
      }
    })
).pipe(Command.withDescription("Pull messages with a lite pull consumer and print one JSON line per message"))
