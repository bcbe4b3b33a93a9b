import { Command, Options } from "@effect/cli"
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Console, Deferred, Duration, Effect, Layer, Option, Ref } from "effect"
import * as ClientLive from "../layers/ClientLive.js"
import * as PushConsumerLive from "../layers/PushConsumerLive.js"
import { MessageConst } from "../protocol/MessageConst.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"

const namesrv = Options.text("namesrv").pipe(
  Options.withDescription("name servers as host:port;host:port (default: ROCKETMQ_NAMESRV_ADDR)"),
  Options.optional
)
const topic = Options.text("topic").pipe(Options.withDescription("the topic to consume"))
const group = Options.text("group").pipe(Options.withDescription("the consumer group"))
const expression = Options.text("expression").pipe(
  Options.withDescription("a tag expression such as 'TagA || TagB' (default: every tag)"),
  Options.withDefault("*")
)
const from = Options.choice("from", ["first", "last"]).pipe(
  Options.withDescription("where a group with no committed offset starts"),
  Options.withDefault("last" as const)
)
const count = Options.integer("count").pipe(Options.withDescription("exit after this many messages"), Options.optional)
const timeout = Options.integer("timeout").pipe(
  Options.withDescription("exit after this many seconds"),
  Options.withDefault(30)
)

/** One consumed message as a JSON line (the body as UTF-8 text). */
const messageLine = (m: MessageExt) =>
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
 * `--count` messages or `--timeout` seconds. Messages are handled one at a time; every message printed is consumed
 * (its offset committed), and none past the count is.
 */
export const consumeCommand = Command.make(
  "consume",
  { namesrv, topic, group, expression, from, count, timeout },
  (options) =>
    Effect.gen(function*() {
      const limit = Option.getOrElse(options.count, () => Number.POSITIVE_INFINITY)
      const printed = yield* Ref.make(0)
      const enough = yield* Deferred.make<void>()
      const consumer = PushConsumerLive.make({
        group: options.group,
        subscriptions: [{ topic: options.topic, expression: options.expression }],
        consumeFromWhere: options.from === "first" ? "CONSUME_FROM_FIRST_OFFSET" : "CONSUME_FROM_LAST_OFFSET",
        concurrency: 1,
        shutdownTimeout: Duration.seconds(1),
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
      yield* Effect.scoped(Effect.zipRight(
        consumer,
        Deferred.await(enough).pipe(Effect.timeoutOption(Duration.seconds(options.timeout)))
      ))
      yield* Console.error(`consumed ${yield* Ref.get(printed)} message(s) from ${options.topic}`)
    }).pipe(
      Effect.provide(
        ClientLive.layerFromEnv(
          Option.match(options.namesrv, { onNone: () => ({}), onSome: (a) => ({ nameServerAddress: a }) })
        ).pipe(Layer.provide(NodeHttpClient.layer), Layer.merge(NodeFileSystem.layer))
      )
    )
).pipe(Command.withDescription("Consume messages with a push consumer and print one JSON line per message"))
