import { Command, Options } from "@effect/cli"
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as ClientLive from "../layers/ClientLive.js"
import * as PushConsumerLive from "../layers/PushConsumerLive.js"
import { MessageConst } from "../protocol/MessageConst.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import {
  checkGroupName,
  checkTopicName,
  clientOverrides,
  countOption,
  describedWithDefault,
  namesrvOption,
  timeoutOption,
  TopicNotFoundError,
  traceOption,
  traceSettings,
  traceTopicOption
} from "./CliOptions.js"
import { reportProgress } from "./Progress.js"

/** Nothing came before the timeout (a success only with `--allow-empty`). */
export class NothingConsumedError extends Data.TaggedError("NothingConsumedError")<{
  readonly topic: string
  readonly seconds: number
}> {
  override get message(): string {
    return `nothing consumed from ${this.topic} in ${this.seconds} s (--allow-empty makes that a success)`
  }
}

const topic = Options.text("topic").pipe(Options.withDescription("the topic to consume"))
const group = Options.text("group").pipe(Options.withDescription("the consumer group"))
const expression = Options.text("expression").pipe(
  Options.withDescription(describedWithDefault("a tag expression such as 'TagA || TagB'", "*, every tag")),
  Options.withDefault("*")
)
const from = Options.choice("from", ["first", "last"]).pipe(
  Options.withDescription(describedWithDefault("where a group with no committed offset starts", "last")),
  Options.withDefault("last" as const)
)
const count = countOption
const timeout = timeoutOption("exit after this many seconds (not with --follow)")
const follow = Options.boolean("follow").pipe(
  Options.withDescription("consume until interrupted (Ctrl-C commits the offsets and exits 0); no --timeout")
)
const pop = Options.boolean("pop").pipe(
  Options.withDescription(
    "let the broker assign the queues (RocketMQ 5.x QUERY_ASSIGNMENT) and consume in the mode it says, popping a group " +
      "set to POP (mqadmin setConsumeMode); a 4.x broker leaves the queues to this client"
  )
)
export const allowEmpty = Options.boolean("allow-empty").pipe(
  Options.withDescription("nothing consumed before the timeout is a success (exit code 0), not a failure")
)

/** One consumed message as a JSON line (the body as UTF-8 text); `pull` prints the same. */
export const messageLine = (m: MessageExt) =>
  JSON.stringify({
    topic: m.topic,
    tags: m.properties[MessageConst.TAGS],
    keys: m.properties[MessageConst.KEYS],
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    reconsumeTimes: m.reconsumeTimes,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    body: Buffer.from(m.body).toString("utf8")
  })

/**
 * `effect-rocketmq consume`: a push consumer of the group that prints one JSON line per message and exits after
 * `--count` messages or `--timeout` seconds, or with `--follow` when interrupted. Messages are handled one at a time;
 * every message printed is consumed (its offset committed), and none past the count is. The topic's route is asked
 * for first, so an unreachable name server or an unknown topic fails at once (exit code 1); so does a timeout with
 * nothing consumed, unless `--allow-empty`. Progress goes to stderr every second. `--trace` records each message
 * consumed in the trace topic (Java's message trace; `--trace-topic` names another topic).
 */
export const consumeCommand = Command.make(
  "consume",
  {
    namesrv: namesrvOption,
    topic,
    group,
    expression,
    from,
    count,
    timeout,
    follow,
    allowEmpty,
    trace: traceOption,
    traceTopic: traceTopicOption,
    pop
  },
  (options) =>
    Effect.gen(function*() {
      yield* checkTopicName(options.topic)
      yield* checkGroupName(options.group)
      const trace = yield* traceSettings(options.trace, options.traceTopic)
      const overrides = yield* clientOverrides(options.namesrv)
      const limit = Option.getOrElse(options.count, () => Number.POSITIVE_INFINITY)
      const printed = yield* Ref.make(0)
      const enough = yield* Deferred.make<void>()
      const consume = Effect.gen(function*() {
        const { route } = yield* Effect.flatMap(TopicRouteCache, (routes) => routes.refresh(options.topic))
        if (Option.isNone(route)) return yield* new TopicNotFoundError({ topic: options.topic })
        yield* PushConsumerLive.make({
          group: options.group,
          subscriptions: [{ topic: options.topic, expression: options.expression }],
          consumeFromWhere: options.from === "first" ? "CONSUME_FROM_FIRST_OFFSET" : "CONSUME_FROM_LAST_OFFSET",
          concurrency: 1,
          shutdownTimeout: Duration.seconds(1),
          ...trace,
          clientRebalance: !options.pop,
          handler: (messages) =>
            Effect.gen(function*() {
              const n = yield* Ref.get(printed)
              // Past the count: left unconsumed (interrupted, so not committed) for whoever consumes next.
              if (n >= limit) return yield* Effect.interrupt
              yield* Console.log(messageLine(messages[0]!))
              yield* Ref.set(printed, n + 1)
              if (n + 1 >= limit) yield* Deferred.succeed(enough, undefined)
              return "CONSUME_SUCCESS" as const
            })
        })
        yield* reportProgress("consumed", printed)
        const wait = Deferred.await(enough)
        yield* options.follow ? wait : Effect.timeoutOption(wait, Duration.seconds(options.timeout))
      })
      const report = Effect.flatMap(
        Ref.get(printed),
        (n) => Console.error(`consumed ${n} message(s) from ${options.topic}`)
      )
      yield* Effect.scoped(consume).pipe(
        Effect.provide(
          ClientLive.layerFromEnv(overrides).pipe(
            Layer.provide(NodeHttpClient.layer),
            Layer.merge(NodeFileSystem.layer)
          )
        ),
        Effect.onInterrupt(() => report)
      )
      yield* report
      if ((yield* Ref.get(printed)) === 0 && !options.allowEmpty && !options.follow) {
        return yield* new NothingConsumedError({ topic: options.topic, seconds: options.timeout })
      }
    })
).pipe(Command.withDescription("Consume messages with a push consumer and print one JSON line per message"))
