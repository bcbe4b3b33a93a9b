import { Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import * as EmbeddedClusterLive from "../layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../services/EmbeddedCluster.js"

const port = Options.integer("port").pipe(
  Options.withDescription("the name server's port (0 picks a free one)"),
  Options.withDefault(9876)
)
const brokers = Options.integer("brokers").pipe(Options.withDescription("how many brokers"), Options.withDefault(1))
const host = Options.text("host").pipe(
  Options.withDescription("the address to listen on"),
  Options.withDefault("127.0.0.1")
)

/**
 * `effect-rocketmq embedded`: runs the embedded cluster until interrupted. Its addresses go to stdout as one JSON
 * line; point any RocketMQ client at the name server.
 */
export const embeddedCommand = Command.make("embedded", { port, brokers, host }, (options) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* Console.log(JSON.stringify({ nameServer: cluster.nameServerAddress, brokers: cluster.brokers }))
    yield* Console.error(`embedded RocketMQ cluster: name server ${cluster.nameServerAddress} (Ctrl-C to stop)`)
    return yield* Effect.never
  }).pipe(
    Effect.provide(
      EmbeddedClusterLive.layer({ host: options.host, nameServerPort: options.port, brokers: options.brokers })
    )
  )).pipe(Command.withDescription("Run an embedded RocketMQ name server and brokers until interrupted"))
