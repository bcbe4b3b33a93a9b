import { Command, Options } from "@effect/cli"
import * as Effect from "effect/Effect"
import { groupCommand } from "./admin/GroupCommands.js"
import { messageCommand } from "./admin/MessageCommands.js"
import { clusterCommand, topicCommand } from "./admin/TopicCommands.js"
import { debugFromEnv, reportFailure, withTerminal } from "./CliRuntime.js"
import { consumeCommand } from "./ConsumeCommand.js"
import { decodeCommand } from "./DecodeCommand.js"
import { embeddedCommand } from "./EmbeddedCommand.js"
import { produceCommand } from "./ProduceCommand.js"
import { pullCommand } from "./PullCommand.js"
import { routeCommand } from "./RouteCommand.js"

const verbose = Options.boolean("verbose").pipe(
  Options.withDescription("print an error's whole cause (stack included) and every log line (also ROCKETMQ_DEBUG=1)")
)

/** The `effect-rocketmq` command tree. */
export const rootCommand = Command.make("effect-rocketmq", { verbose }).pipe(
  Command.withDescription("An Apache RocketMQ client for TypeScript, built on Effect"),
  Command.withSubcommands([
    consumeCommand,
    decodeCommand,
    embeddedCommand,
    produceCommand,
    pullCommand,
    routeCommand,
    topicCommand,
    clusterCommand,
    groupCommand,
    messageCommand
  ])
)

const cliApp = Command.run(rootCommand, { name: "effect-rocketmq", version: "0.1.0" })

/**
 * The options of the whole program (`--log-level LEVEL`, `--verbose`) moved before the subcommand, where the parser
 * takes them, so that they work after it too. `argv` is `process.argv`-style: runtime and script first.
 */
export const hoistGlobalOptions = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [runtime = "node", script = "effect-rocketmq", ...rest] = argv
  const global: Array<string> = []
  const others: Array<string> = []
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === "--log-level" && i + 1 < rest.length) global.push(arg, rest[++i]!)
    else if (arg.startsWith("--log-level=") || arg === "--verbose") global.push(arg)
    else others.push(arg)
  }
  return [runtime, script, ...global, ...others]
}

const isVerbose = (argv: ReadonlyArray<string>) =>
  Effect.map(debugFromEnv, (debug) => debug || argv.includes("--verbose"))

/**
 * Runs the command line on `process.argv`-style arguments, logs and errors on stderr; fails with the command's
 * error.
 */
export const runCli = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(isVerbose(argv), (loud) => cliApp(hoistGlobalOptions(argv)).pipe(withTerminal(loud)))

/**
 * Runs the command line and answers its exit code: 0 success, 1 the work failed (one line on stderr naming the
 * error; with `--verbose` or `ROCKETMQ_DEBUG=1` its whole cause), 2 bad usage (the parser's message, once).
 */
export const cliMain = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(isVerbose(argv), (loud) =>
    cliApp(hoistGlobalOptions(argv)).pipe(
      Effect.as(0),
      Effect.catchAllCause((cause) => reportFailure(cause, loud)),
      withTerminal(loud)
    ))
