import { describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { resolveSettings as resolveConsumerSettings } from "../../src/layers/consumer/ConsumerContext.js"
import {
  producerDefaults,
  resolveSettings as resolveProducerSettings
} from "../../src/layers/producer/ProducerSettings.js"
import type { ClientInstanceService } from "../../src/services/ClientInstance.js"
import { pushConsumerDefaults } from "../../src/services/PushConsumer.js"

const instance = {
  clientId: "10.0.0.1@test",
  config: { namespace: "ns", pullTimeDelayWhenException: Duration.seconds(1) }
} as unknown as ClientInstanceService

describe("producer and push consumer options", () => {
  it("a producer given only its group gets Java's defaults, its group under the namespace", () => {
    const settings = resolveProducerSettings({ group: "g" }, "ns")
    expect(settings).toEqual({ ...producerDefaults, group: "ns%g", namespace: "ns" })
    expect(Duration.toMillis(settings.sendMsgTimeout)).toBe(3000)
    expect(resolveProducerSettings({ group: "g", sendMsgTimeout: "1 second" }, undefined).sendMsgTimeout).toEqual(
      Duration.seconds(1)
    )
  })

  it("a push consumer given only its group, subscriptions and handler gets Java's defaults", () => {
    const now = 1_700_000_000_000
    const options = { group: "g", subscriptions: [{ topic: "T" }], handler: () => undefined as never }
    const settings = resolveConsumerSettings(options, instance, now)
    const d = pushConsumerDefaults
    expect(settings).toMatchObject({
      group: "ns%g",
      messageModel: d.messageModel,
      consumeFromWhere: d.consumeFromWhere,
      consumeTimestamp: now - 30 * 60 * 1000,
      consumeBatchSize: 1,
      pullBatchSize: 32,
      pullIntervalMillis: 0,
      pullThresholdForQueue: 1000,
      pullThresholdSizeForQueueMiB: 100,
      pullThresholdForTopic: -1,
      consumeConcurrentlyMaxSpan: 2000,
      maxReconsumeTimes: 16,
      brokerSuspendMaxMillis: 15_000,
      initialConcurrency: 20
    })
    expect(Duration.toMillis(settings.consumeTimeout)).toBe(15 * 60 * 1000)
    expect(resolveConsumerSettings({ ...options, orderly: true }, instance, now).maxReconsumeTimes).toBe(
      Number.MAX_SAFE_INTEGER
    )
  })
})
