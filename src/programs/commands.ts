import { Command } from "@effect/cli"
import { consumeCommand } from "./ConsumeCommand.js"
import { decodeCommand } from "./DecodeCommand.js"
import { embeddedCommand } from "./EmbeddedCommand.js"
import { produceCommand } from "./ProduceCommand.js"
import { routeCommand } from "./RouteCommand.js"

/** The `effect-rocketmq` command tree. */
export const rootCommand = Command.make("effect-rocketmq").pipe(
  Command.withDescription("An Apache RocketMQ client for TypeScript, built on Effect"),
  Command.withSubcommands([consumeCommand, decodeCommand, embeddedCommand, produceCommand, routeCommand])
)

/** Runs the command line on `process.argv`-style arguments. */
export const runCli = Command.run(rootCommand, { name: "effect-rocketmq", version: "0.1.0" })
