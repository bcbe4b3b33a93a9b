import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import type { Console } from "effect"
import { Deferred, Effect, Either, Fiber, Layer } from "effect"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { runCli } from "../../src/programs/commands.js"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RpcHooks } from "../../src/services/RpcHooks.js"

describe("effect-rocketmq embedded", () => {
  it.live("runs a cluster that a RocketMQ client can use, until interrupted", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<{ nameServer: string; brokers: Array<{ name: string }> }>()
      const console: Console.Console = {
        ...(yield* Effect.console),
        log: (...a: ReadonlyArray<unknown>) => Deferred.succeed(started, JSON.parse(String(a[0]))).pipe(Effect.asVoid),
        error: () => Effect.void
      }
      const cli = yield* runCli(["node", "effect-rocketmq", "embedded", "--port", "0", "--brokers", "2"]).pipe(
        Effect.provide(NodeContext.layer),
        Effect.withConsole(console),
        Effect.fork
      )
      const cluster = yield* Deferred.await(started)
      expect(cluster.brokers.map((b) => b.name)).toEqual(["broker-a", "broker-b"])
      const route = yield* Effect.flatMap(
        RemotingClient,
        (client) => client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TBW102" }))
      ).pipe(
        Effect.provide(
          RemotingClientLive.layer().pipe(
            Layer.provide(
              Layer.mergeAll(RequestHandlersLive, RpcHooks.none, NameServerAddresses.fixed([cluster.nameServer]))
            )
          )
        )
      )
      expect(Either.getOrThrow(decodeBody(TopicRouteData, route.body)).queueDatas).toHaveLength(2)
      yield* Fiber.interrupt(cli)
    }))
})
