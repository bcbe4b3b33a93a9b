import { Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ClientLive from "../layers/ClientLive.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { checkTopicName, clientOverrides, namesrvOption, TopicNotFoundError } from "./CliOptions.js"

const topic = Options.text("topic").pipe(Options.withDescription("the topic"))

/**
 * `effect-rocketmq route --topic T [--namesrv ADDR]`: prints a topic's route as one JSON line; a topic the name
 * servers do not know is a `TopicNotFoundError` (exit code 1).
 */
export const routeCommand = Command.make(
  "route",
  { topic, namesrv: namesrvOption },
  (options) =>
    Effect.gen(function*() {
      yield* checkTopicName(options.topic)
      const overrides = yield* clientOverrides(options.namesrv)
      yield* Effect.gen(function*() {
        const routes = yield* TopicRouteCache
        const { route } = yield* routes.refresh(options.topic)
        if (Option.isNone(route)) return yield* new TopicNotFoundError({ topic: options.topic })
        yield* Console.log(JSON.stringify({ topic: options.topic, ...route.value }))
      }).pipe(Effect.provide(ClientLive.layerFromEnv(overrides).pipe(Layer.provide(NodeHttpClient.layer))))
    })
).pipe(Command.withDescription("Print a topic's route (brokers and queues) as JSON"))
