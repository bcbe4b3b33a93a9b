// Observability as a user sees it: the example's OpenTelemetry wiring (bench/opentelemetry.ts) with an in-memory
// span exporter and a metric reader, on the embedded cluster; and the client's metrics through Effect's own registry.
import { describe, expect, it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { AggregationTemporality, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Effect, HashMap, Logger, LogLevel, Metric, MetricState } from "effect"
import { sendAndConsume, Telemetry } from "../../bench/opentelemetry.js"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { eventually } from "../support/Eventually.js"

/** A metric reader collected on demand (no exporter, no timer). */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve()
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve()
  }
}

const otelMetricNames = (metrics: ResourceMetrics): ReadonlyArray<string> =>
  metrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name))

/** The messages are sent and consumed within 10 s of real time (a failure naming what was awaited, not a hang). */
const within = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(self, {
    duration: "10 seconds",
    onTimeout: () => new Error("the messages were not all sent and consumed within 10 s")
  })

/** A counter's value in Effect's metric registry, by name and tags (0 when it has none yet). */
const counterValue = (name: string, tags: Record<string, string>) =>
  Effect.map(Metric.snapshot, (pairs) => {
    let total = 0
    for (const pair of pairs) {
      if (pair.metricKey.name !== name || !MetricState.isCounterState(pair.metricState)) continue
      const keyTags = new Map(pair.metricKey.tags.map((tag) => [tag.key, tag.value]))
      if (Object.entries(tags).every(([key, value]) => keyTags.get(key) === value)) {
        total += Number(pair.metricState.count)
      }
    }
    return total
  })

describe("OpenTelemetry (bench/opentelemetry.ts's wiring)", () => {
  it.live("the send and consume spans carry OpenTelemetry's messaging attributes", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("OtelOrders")
      const spanExporter = new InMemorySpanExporter()
      const metricReader = new CollectingReader()
      yield* Effect.gen(function*() {
        const { consumed, sent } = yield* sendAndConsume({
          nameServerAddress: cluster.nameServerAddress,
          topic: "OtelOrders",
          producerGroup: "otel_producer",
          consumerGroup: "otel_consumer",
          count: 2
        }).pipe(within)
        expect([...consumed].sort()).toEqual([...sent].sort())

        const spans = () => spanExporter.getFinishedSpans()
        const named = (name: string) => spans().filter((span) => span.name === name)
        const consumeSpanOf = (id: string) =>
          named("PushConsumer.consume").find((span) => span.attributes["messaging.message.id"] === id)
        // A consume span ends when its handler's answer is settled: after the handler has given the message away.
        yield* eventually(() => sent.every((id) => consumeSpanOf(id) !== undefined), {
          what: "a PushConsumer.consume span for each message sent"
        })

        const sends = named("Producer.send")
        expect(sends.map((span) => span.attributes["messaging.message.id"]).sort()).toEqual([...sent].sort())
        for (const span of sends) {
          expect(span.kind).toBe(SpanKind.PRODUCER)
          expect(span.attributes).toMatchObject({
            "messaging.system": "rocketmq",
            "messaging.operation.name": "send",
            "messaging.operation.type": "send",
            "messaging.destination.name": "OtelOrders",
            "messaging.rocketmq.client_group": "otel_producer"
          })
          expect(span.attributes["messaging.destination.partition.id"]).toBe(String(span.attributes["rocketmq.queue"]))
          // The sends run under the program's span, and each has its request to the broker under it.
          const parent = spanById(spans(), span.parentSpanContext?.spanId)
          expect(parent?.name).toBe("orders")
          expect(
            spans().some((child) =>
              child.name === "RemotingClient.invoke SEND_MESSAGE_V2" &&
              child.parentSpanContext?.spanId === span.spanContext().spanId
            )
          ).toBe(true)
        }

        for (const id of sent) {
          const span = consumeSpanOf(id)!
          expect(span.kind).toBe(SpanKind.CONSUMER)
          expect(span.attributes).toMatchObject({
            "messaging.system": "rocketmq",
            "messaging.operation.name": "process",
            "messaging.operation.type": "process",
            "messaging.destination.name": "OtelOrders",
            "messaging.consumer.group.name": "otel_consumer",
            "messaging.rocketmq.client_group": "otel_consumer",
            "messaging.rocketmq.consumption_model": "clustering",
            "messaging.message.id": id
          })
          expect(span.status.code).toBe(SpanStatusCode.OK)
        }

        // The consumer's requests to the broker are client spans too, named after what they do.
        const pulls = named("Consumer.pull")
        expect(pulls.length).toBeGreaterThan(0)
        for (const span of pulls) {
          expect(span.kind).toBe(SpanKind.CLIENT)
          expect(span.attributes["rocketmq.broker.address"]).toBe(cluster.brokers[0]!.address)
        }

        // Effect's metrics reach OpenTelemetry through the same layer.
        const collected = yield* Effect.promise(() => metricReader.collect())
        expect(otelMetricNames(collected.resourceMetrics)).toEqual(expect.arrayContaining([
          "rocketmq_consumer_consumed_messages_total",
          "rocketmq_consumer_pulled_messages_total",
          "rocketmq_remoting_requests_total",
          "rocketmq_remoting_round_trip_ms"
        ]))
      }).pipe(Effect.provide(Telemetry({ spanExporter, metricReader })))
    }).pipe(Effect.provide(EmbeddedClusterLive.layer())))

  it.live("the client's metrics count in Effect's registry (Metric.snapshot), with no tracer installed", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("PlainOrders")
      const consumedBefore = yield* counterValue("rocketmq_consumer_consumed_messages_total", {
        result: "CONSUME_SUCCESS"
      })
      const pulledBefore = yield* counterValue("rocketmq_consumer_pulled_messages_total", {})
      const { consumed } = yield* sendAndConsume({
        nameServerAddress: cluster.nameServerAddress,
        topic: "PlainOrders",
        producerGroup: "plain_producer",
        consumerGroup: "plain_consumer",
        count: 3
      }).pipe(within)
      expect(consumed).toHaveLength(3)
      // Counted as the handler answers, after it has given the message away.
      yield* eventually(
        Effect.map(
          counterValue("rocketmq_consumer_consumed_messages_total", { result: "CONSUME_SUCCESS" }),
          (now) => now - consumedBefore === 3
        ),
        { what: "rocketmq_consumer_consumed_messages_total{result=CONSUME_SUCCESS} up by 3" }
      )
      expect((yield* counterValue("rocketmq_consumer_pulled_messages_total", {})) - pulledBefore).toBe(3)
      expect(yield* counterValue("rocketmq_remoting_requests_total", { code: "SEND_MESSAGE_V2" })).toBeGreaterThan(0)
    }).pipe(Effect.provide(EmbeddedClusterLive.layer())))
})

describe("Logging", () => {
  it.live("a logger put in with Logger.replace gets the client's logs with their annotations, Debug included", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("LoggedOrders")
      const lines: Array<{ level: string; message: string; annotations: Record<string, unknown> }> = []
      const capture = Logger.make(({ annotations, logLevel, message }) =>
        lines.push({
          level: logLevel.label,
          message: [message].flat().map(String).join(" "),
          annotations: Object.fromEntries(HashMap.toEntries(annotations))
        })
      )
      yield* sendAndConsume({
        nameServerAddress: cluster.nameServerAddress,
        topic: "LoggedOrders",
        consumerGroup: "logged_consumer",
        count: 1
      }).pipe(
        within,
        Logger.withMinimumLogLevel(LogLevel.Debug),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      // The rebalance logs each queue it takes, at Debug, annotated with the group, topic, broker and queue.
      const taken = lines.filter((line) => line.message === "queue taken")
      expect(taken.length).toBeGreaterThan(0)
      expect(taken[0]).toMatchObject({
        level: "DEBUG",
        annotations: { group: "logged_consumer", topic: "LoggedOrders", broker: "broker-a" }
      })
    }).pipe(Effect.provide(EmbeddedClusterLive.layer())))
})

const spanById = (spans: ReadonlyArray<ReadableSpan>, id: string | undefined) =>
  spans.find((span) => span.spanContext().spanId === id)
