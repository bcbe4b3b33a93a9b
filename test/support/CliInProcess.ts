// The command line run in this process, as the tests of src/programs drive it: what it printed to stdout (one entry
// per line) and to stderr (progress, summaries, errors: kept here, never printed by a passing test), and its exit.
import { NodeContext } from "@effect/platform-node"
import { type Console, Effect } from "effect"
import { runCli } from "../../src/programs/commands.js"

export const cliInProcess = (...args: Array<string>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const console: Console.Console = {
      ...(yield* Effect.console),
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(...a.join(" ").split("\n"))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(a.join(" ")))
    }
    const exit = yield* runCli(["node", "effect-rocketmq", ...args]).pipe(
      Effect.provide(NodeContext.layer),
      Effect.withConsole(console),
      Effect.exit
    )
    return { exit, out, err, json: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) }
  })
