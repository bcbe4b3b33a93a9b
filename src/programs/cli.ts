// Entry point of the `effect-rocketmq` command line (bin/effect-rocketmq.js and `npm run cli`).
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { runCli } from "./commands.js"

runCli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
