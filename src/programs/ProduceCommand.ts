import { Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Effect, Layer, Option } from "effect"
import * as ClientLive from "../layers/ClientLive.js"
import * as ProducerLive from "../layers/ProducerLive.js"
import { Producer } from "../services/Producer.js"

const namesrv = Options.text("namesrv").pipe(
  Options.withDescription("name servers as host:port;host:port (default: ROCKETMQ_NAMESRV_ADDR)"),
  Options.optional
)
const topic = Options.text("topic").pipe(Options.withDescription("the topic to send to"))
const tag = Options.text("tag").pipe(Options.withDescription("the messages' tag"), Options.optional)
const keys = Options.text("keys").pipe(Options.withDescription("the messages' keys, space-separated"), Options.optional)
const count = Options.integer("count").pipe(Options.withDescription("how many messages"), Options.withDefault(1))
const size = Options.integer("size").pipe(Options.withDescription("a body of this many bytes"), Options.optional)
const body = Options.text("body").pipe(
  Options.withDescription("the body text (default: \"message N\")"),
  Options.optional
)
const group = Options.text("group").pipe(
  Options.withDescription("the producer group"),
  Options.withDefault("effect_rocketmq_cli_producer")
)

/**
 * `effect-rocketmq produce`: sends messages and prints one send result per message as a JSON line (`sendStatus`,
 * `msgId`, `offsetMsgId`, `queueId`, `queueOffset`, ...); progress goes to stderr.
 */
export const produceCommand = Command.make(
  "produce",
  { namesrv, topic, tag, keys, count, size, body, group },
  (options) =>
    Effect.gen(function*() {
      const producer = yield* Producer
      for (let i = 0; i < options.count; i++) {
        const text = Option.getOrElse(options.body, () => `message ${i}`)
        const result = yield* producer.send({
          topic: options.topic,
          body: Option.match(options.size, { onNone: () => Buffer.from(text), onSome: (n) => Buffer.alloc(n, "x") }),
          tags: Option.getOrUndefined(options.tag),
          keys: Option.match(options.keys, { onNone: () => undefined, onSome: (k) => k.split(" ").filter(Boolean) })
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
      }
      yield* Console.error(`sent ${options.count} message(s) to ${options.topic}`)
    }).pipe(
      Effect.provide(
        ProducerLive.layer({ group: options.group }).pipe(
          Layer.provideMerge(
            ClientLive.layerFromEnv(
              Option.match(options.namesrv, { onNone: () => ({}), onSome: (a) => ({ nameServerAddress: a }) })
            )
          ),
          Layer.provide(NodeHttpClient.layer)
        )
      )
    )
).pipe(Command.withDescription("Send messages and print one send result per message as JSON"))
