import { Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as ClientLive from "../layers/ClientLive.js"
import * as ProducerLive from "../layers/ProducerLive.js"
import { Producer } from "../services/Producer.js"
import {
  checkGroupName,
  checkTopicName,
  clientOverrides,
  describedWithDefault,
  durationOption,
  integerOption,
  namesrvOption,
  traceOption,
  traceSettings,
  traceTopicOption
} from "./CliOptions.js"
import { reportProgress } from "./Progress.js"

/** Java's `maxMessageSize` default (4 MiB): a larger body is refused. */
const MAX_BODY_BYTES = 4 * 1024 * 1024

const topic = Options.text("topic").pipe(Options.withDescription("the topic to send to"))
const tag = Options.text("tag").pipe(Options.withDescription("the messages' tag"), Options.optional)
const keys = Options.text("keys").pipe(Options.withDescription("the messages' keys, space-separated"), Options.optional)
const count = integerOption("count", describedWithDefault("how many messages", 1), {
  min: 1,
  max: 1_000_000_000,
  what: "a whole number of messages from 1 to 1000000000"
}).pipe(Options.withDefault(1))
const size = integerOption("size", "a body of this many bytes (\"x\" repeated)", {
  min: 1,
  max: MAX_BODY_BYTES,
  what: `a body size in bytes from 1 to ${MAX_BODY_BYTES} (4 MiB, the largest message a broker takes by default)`
}).pipe(Options.optional)
const body = Options.text("body").pipe(
  Options.withDescription("the body text (default: \"message N\")"),
  Options.optional
)
const deliverAfter = durationOption(
  "deliver-after",
  "send timer messages, delivered this long after they reach the broker (RocketMQ 5.x; e.g. 10s, 1500ms, 2m)"
).pipe(Options.optional)
const group = Options.text("group").pipe(
  Options.withDescription(describedWithDefault("the producer group", "effect_rocketmq_cli_producer")),
  Options.withDefault("effect_rocketmq_cli_producer")
)

/**
 * `effect-rocketmq produce`: sends messages one after the other and prints one send result per message as a JSON
 * line (`sendStatus`, `msgId`, `offsetMsgId`, `queueId`, `queueOffset`, ...); progress goes to stderr every second.
 * `--trace` records each send in the trace topic (Java's message trace; `--trace-topic` names another topic).
 * A send that fails ends the command with its error (exit code 1).
 */
export const produceCommand = Command.make(
  "produce",
  {
    namesrv: namesrvOption,
    topic,
    tag,
    keys,
    count,
    size,
    body,
    group,
    trace: traceOption,
    traceTopic: traceTopicOption,
    deliverAfter
  },
  (options) =>
    Effect.gen(function*() {
      yield* checkTopicName(options.topic)
      yield* checkGroupName(options.group)
      const trace = yield* traceSettings(options.trace, options.traceTopic)
      const overrides = yield* clientOverrides(options.namesrv)
      const sent = yield* Ref.make(0)
      const started = yield* Clock.currentTimeMillis
      yield* Effect.scoped(
        Effect.gen(function*() {
          const producer = yield* Producer
          yield* reportProgress("sent", sent)
          for (let i = 0; i < options.count; i++) {
            const text = Option.getOrElse(options.body, () => `message ${i}`)
            const result = yield* producer.send({
              topic: options.topic,
              body: Option.match(options.size, {
                onNone: () => Buffer.from(text),
                onSome: (n) => Buffer.alloc(n, "x")
              }),
              tags: Option.getOrUndefined(options.tag),
              keys: Option.match(options.keys, {
                onNone: () => undefined,
                onSome: (k) => k.split(" ").filter(Boolean)
              }),
              delay: Option.getOrUndefined(options.deliverAfter)
            })
            yield* Console.log(JSON.stringify({
              sendStatus: result.sendStatus,
              msgId: result.msgId,
              offsetMsgId: result.offsetMsgId,
              topic: result.messageQueue.topic,
              brokerName: result.messageQueue.brokerName,
              queueId: result.messageQueue.queueId,
              queueOffset: result.queueOffset
            }))
            yield* Ref.set(sent, i + 1)
          }
        }).pipe(
          Effect.provide(
            ProducerLive.layer({ group: options.group, ...trace }).pipe(
              Layer.provideMerge(ClientLive.layerFromEnv(overrides)),
              Layer.provide(NodeHttpClient.layer)
            )
          )
        )
      )
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      yield* Console.error(`sent ${options.count} message(s) to ${options.topic} in ${seconds.toFixed(1)} s`)
    })
).pipe(Command.withDescription("Send messages and print one send result per message as JSON"))
