// Producers and push consumers on an embedded cluster, each with a client instance of its own, started and stopped
// inside a test.
import { NodeFileSystem } from "@effect/platform-node"
import type { Duration } from "effect"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../../src/layers/PushConsumerLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { Producer } from "../../src/services/Producer.js"
import {
  PushConsumer,
  type PushConsumerOptions,
  type TypedPushConsumerOptions
} from "../../src/services/PushConsumer.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { clientOn } from "./EmbeddedClient.js"
import { eventually as awaitCondition } from "./Eventually.js"

/** A client instance of its own (its own client id) on the embedded cluster. */
export const clientStack = (instanceName: string, config: Record<string, unknown> = {}) =>
  ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName, ...config }).pipe(
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

export const producerLayer = (group = "test_producer") =>
  ProducerLive.layer({ group }).pipe(Layer.provideMerge(clientStack(`producer-${group}`)))

/** Starts a push consumer in a scope of its own; `close` shuts it down (as closing its layer's scope does). */
export const startConsumer = <E>(
  instanceName: string,
  options: PushConsumerOptions<E, never> | TypedPushConsumerOptions<E, never>,
  config: Record<string, unknown> = {}
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      PushConsumerLive.layer(options).pipe(
        Layer.provideMerge(clientStack(instanceName, config)),
        Layer.provide(NodeFileSystem.layer)
      ),
      scope
    )
    return {
      consumer: Context.get(context, PushConsumer),
      handlers: Context.get(context, RequestHandlers),
      close: Scope.close(scope, Exit.void)
    }
  })

/** Sends `count` messages with keys `prefix-0`... through the producer in context. */
export const produce = (topic: string, count: number, prefix = "m", tags = "TagA") =>
  Effect.flatMap(Producer, (producer) =>
    Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) => producer.send({ topic, body: Buffer.from(`${prefix}-${i}`), tags, keys: [`${prefix}-${i}`] }),
      { concurrency: 32 }
    ))

/** The body of a message as text. */
export const bodyText = (m: MessageExt) => Buffer.from(m.body).toString("utf8")

/**
 * Waits until `done` holds, failing after `within` of real time: the shared `eventually` of Eventually.ts (it looks
 * first after letting the ready fibers run, then every 25 millis of real time, whatever clock the test runs on).
 */
export const eventually = (
  done: Effect.Effect<boolean>,
  within: Duration.DurationInput = "20 seconds",
  what = "the awaited condition holds"
) => awaitCondition(done, { what, bound: within, interval: "25 millis" })
