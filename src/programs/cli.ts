// Entry point of the `effect-rocketmq` command line (bin/effect-rocketmq.js and `npm run cli`).
import { NodeContext } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import { runMain } from "./CliRuntime.js"
import { cliMain } from "./commands.js"

runMain(cliMain(process.argv).pipe(Effect.provide(NodeContext.layer)))
