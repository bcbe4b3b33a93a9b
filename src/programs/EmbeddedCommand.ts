import { Command, Options } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { networkInterfaces } from "node:os"
import * as EmbeddedClusterLive from "../layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../services/EmbeddedCluster.js"
import { describedWithDefault, integerOption } from "./CliOptions.js"

/** Brokers are named broker-a to broker-z. */
const MAX_BROKERS = 26

const port = integerOption("port", describedWithDefault("the name server's port (0 picks a free one)", 9876), {
  min: 0,
  max: 65535,
  what: "a TCP port from 0 to 65535"
}).pipe(Options.withDefault(9876))
const brokers = integerOption("brokers", describedWithDefault("how many brokers", 1), {
  min: 1,
  max: MAX_BROKERS,
  what: `a number of brokers from 1 to ${MAX_BROKERS}`
}).pipe(Options.withDefault(1))
const rocketmq = Options.choice("rocketmq", ["4.9", "5.0"]).pipe(
  Options.withDescription(
    describedWithDefault(
      "the RocketMQ line the brokers behave as (5.0: pop, broker-side assignment, timer messages)",
      "4.9"
    )
  ),
  Options.withDefault("4.9" as const)
)
const host = Options.text("host").pipe(
  Options.withDescription(describedWithDefault("the address to listen on", "127.0.0.1")),
  Options.withDefault("127.0.0.1")
)
const advertise = Options.text("advertise").pipe(
  Options.withDescription(
    "the host clients are told to connect to (default: --host, or this machine's first non-loopback IPv4 address " +
      "when --host is 0.0.0.0 or ::)"
  ),
  Options.optional
)

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "[::]"

/** This machine's first external IPv4 address, else loopback: an address a client elsewhere may reach. */
const reachableLocalAddress = Effect.sync(() => {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? [])
  return addresses.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1"
})

/**
 * `effect-rocketmq embedded`: runs the embedded cluster until interrupted. Its addresses go to stdout as one JSON
 * line; point any RocketMQ client at the name server. Listening on a wildcard (`--host 0.0.0.0`), the cluster
 * advertises `--advertise HOST`, or this machine's first external IPv4 address.
 */
export const embeddedCommand = Command.make(
  "embedded",
  { port, brokers, host, advertise, rocketmq },
  (options) =>
    Effect.gen(function*() {
      const advertisedHost = yield* Option.match(options.advertise, {
        onSome: Effect.succeed,
        onNone: () => isWildcard(options.host) ? reachableLocalAddress : Effect.succeed(options.host)
      })
      yield* Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* Console.log(JSON.stringify({ nameServer: cluster.nameServerAddress, brokers: cluster.brokers }))
        yield* Console.error(`embedded RocketMQ cluster: name server ${cluster.nameServerAddress} (Ctrl-C to stop)`)
        return yield* Effect.never
      }).pipe(
        Effect.provide(EmbeddedClusterLive.layer({
          host: options.host,
          advertisedHost,
          nameServerPort: options.port,
          brokers: options.brokers,
          version: options.rocketmq
        }))
      )
    })
).pipe(Command.withDescription("Run an embedded RocketMQ name server and brokers until interrupted"))
