// An embedded cluster in a worker thread or a child process, so that a benchmark's client and broker run on their own
// cores, as a client and a real broker would (a child process also keeps the broker's memory and CPU out of the
// client's figures). The parent sends { op, ... } messages and gets { ok } or the cluster's address back.
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { parentPort } from "node:worker_threads"
import * as EmbeddedClusterLive from "../src/layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../src/services/EmbeddedCluster.js"

type Command =
  | { readonly op: "createTopic"; readonly topic: string; readonly queues: number }
  | { readonly op: "setLatency"; readonly latency: Duration.DurationInput }
  | { readonly op: "stop" }

/** The parent: the worker thread's port, or the child process's IPC channel. */
const port = parentPort ?? {
  postMessage: (message: unknown) => void process.send!(message),
  on: (event: "message", listener: (command: Command) => void) => void process.on(event, listener)
}
const scope = Effect.runSync(Scope.make())
const context = await Effect.runPromise(Layer.buildWithScope(EmbeddedClusterLive.layer(), scope))
const cluster = EmbeddedCluster.of(context.unsafeMap.get(EmbeddedCluster.key) as EmbeddedCluster["Type"])
port.postMessage({ nameServerAddress: cluster.nameServerAddress })
port.on("message", (command: Command) => {
  const run = command.op === "createTopic"
    ? cluster.createTopic(command.topic, { readQueueNums: command.queues, writeQueueNums: command.queues })
    : command.op === "setLatency"
    ? cluster.setLatency("broker-a", command.latency)
    : Scope.close(scope, Exit.void)
  void Effect.runPromise(run).then(() => port.postMessage({ ok: true }))
})
