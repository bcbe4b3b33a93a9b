import { Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Data, Effect, Layer, Option } from "effect"
import * as ClientLive from "../layers/ClientLive.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"

/** The name servers do not know the topic. */
export class TopicNotFoundError extends Data.TaggedError("TopicNotFoundError")<{ readonly topic: string }> {
  override get message(): string {
    return `no route for topic ${this.topic}: the name servers do not know it`
  }
}

const topic = Options.text("topic").pipe(Options.withDescription("the topic"))
const namesrv = Options.text("namesrv").pipe(
  Options.withDescription("name servers as host:port;host:port (default: ROCKETMQ_NAMESRV_ADDR)"),
  Options.optional
)

/**
 * `effect-rocketmq route --topic T [--namesrv ADDR]`: prints a topic's route as one JSON line.
 */
export const routeCommand = Command.make("route", { topic, namesrv }, (options) =>
  Effect.gen(function*() {
    const routes = yield* TopicRouteCache
    const { route } = yield* routes.refresh(options.topic)
    if (Option.isNone(route)) return yield* new TopicNotFoundError({ topic: options.topic })
    yield* Console.log(JSON.stringify({ topic: options.topic, ...route.value }))
  }).pipe(
    Effect.provide(
      ClientLive.layerFromEnv(
        Option.match(options.namesrv, { onNone: () => ({}), onSome: (a) => ({ nameServerAddress: a }) })
      )
        .pipe(Layer.provide(NodeHttpClient.layer))
    )
  )).pipe(Command.withDescription("Print a topic's route (brokers and queues) as JSON"))
