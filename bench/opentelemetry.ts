// The client's spans and metrics through OpenTelemetry, with @effect/opentelemetry: a runnable example.
//
//   npx tsx bench/opentelemetry.ts
//
// It starts an embedded cluster, sends three messages and consumes them with a push consumer, the spans printed by
// OpenTelemetry's console exporter as they end and the metrics (the client's `rocketmq_*` among Effect's) when the
// program ends. test/observability/OpenTelemetry.test.ts runs the same wiring with an in-memory exporter.
import { NodeSdk } from "@effect/opentelemetry"
import { ConsoleMetricExporter, type MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { EmbeddedCluster, EmbeddedClusterLive } from "../src/embedded.js"
import { ClientLive, Producer, ProducerLive, PushConsumerLive } from "../src/index.js"

/**
 * OpenTelemetry for an Effect program: the spans of every effect it runs go to `spanExporter`, Effect's metrics
 * (the client's among them) to `metricReader`. Provide it around the program, so that the client, producers and
 * consumers are built under it: they look for a tracer when they start, and make no spans without one.
 */
export const Telemetry = (exporters: {
  readonly spanExporter: SpanExporter
  readonly metricReader?: MetricReader | undefined
}) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "orders-service" },
    spanProcessor: new SimpleSpanProcessor(exporters.spanExporter), // a BatchSpanProcessor in production
    metricReader: exporters.metricReader
  }))

/** What `sendAndConsume` did: the ids of the messages sent, and of the messages consumed, in order. */
export interface SendAndConsumeResult {
  readonly sent: ReadonlyArray<string>
  readonly consumed: ReadonlyArray<string>
}

/**
 * Sends `count` messages to `topic` and waits until a push consumer of `consumerGroup` has consumed them. Each send
 * is a `Producer.send` span (under the span `orders`), each consumed batch a `PushConsumer.consume` span.
 */
export const sendAndConsume = (options: {
  readonly nameServerAddress: string
  readonly topic: string
  readonly producerGroup?: string
  readonly consumerGroup?: string
  readonly count?: number
}): Effect.Effect<SendAndConsumeResult, unknown> =>
  Effect.gen(function*() {
    const count = options.count ?? 3
    const consumed = yield* Queue.unbounded<string>()
    const Client = ClientLive.layer({ nameServerAddress: options.nameServerAddress })
    const Orders = Layer.mergeAll(
      ProducerLive.layer({ group: options.producerGroup ?? "orders_producer" }),
      PushConsumerLive.layer({
        group: options.consumerGroup ?? "orders_consumer",
        subscriptions: [{ topic: options.topic }],
        consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
        handler: (messages) => Effect.as(Queue.offerAll(consumed, messages.map((m) => m.msgId)), "CONSUME_SUCCESS")
      })
    ).pipe(Layer.provide(Client))

    return yield* Effect.gen(function*() {
      const producer = yield* Producer
      const sent = yield* Effect.forEach(
        Array.from({ length: count }, (_, i) => i),
        (i) =>
          producer.send({ topic: options.topic, body: Buffer.from(`order ${i}`), tags: "TagA", keys: [`order-${i}`] })
      ).pipe(Effect.withSpan("orders"))
      const taken = yield* Queue.takeBetween(consumed, count, count)
      return { sent: sent.map((r) => r.msgId), consumed: [...taken] }
    }).pipe(Effect.provide(Orders))
  })

const main = Effect.gen(function*() {
  const cluster = yield* EmbeddedCluster
  yield* cluster.createTopic("Orders")
  const result = yield* sendAndConsume({ nameServerAddress: cluster.nameServerAddress, topic: "Orders" }).pipe(
    Effect.provide(Telemetry({
      spanExporter: new ConsoleSpanExporter(),
      metricReader: new PeriodicExportingMetricReader({
        exporter: new ConsoleMetricExporter(),
        exportIntervalMillis: 60_000 // and once more when the program ends
      })
    }))
  )
  console.log(JSON.stringify(result))
}).pipe(Effect.provide(EmbeddedClusterLive.layer()))

if (import.meta.url === `file://${process.argv[1]}`) await Effect.runPromise(main)
