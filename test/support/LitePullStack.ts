// Lite pull consumers on an embedded cluster, each with a client instance of its own, started and stopped inside a
// test, and what tests read of them.
import { Context, type Duration, Effect, Exit, Layer, Scope } from "effect"
import * as LitePullConsumerLive from "../../src/layers/LitePullConsumerLive.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { type MessageQueue, messageQueueKey } from "../../src/protocol/MessageQueue.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import {
  LitePullConsumer,
  type LitePullConsumerOptions,
  type LitePullConsumerService,
  type PolledBatch
} from "../../src/services/LitePullConsumer.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { clientStack } from "./ConsumerStack.js"

/**
 * Starts a lite pull consumer in a scope of its own (its client instance with the client settings `config`); `close`
 * shuts it down (as closing its layer's scope does).
 */
export const startLitePull = (
  instanceName: string,
  options: LitePullConsumerOptions,
  config: Record<string, unknown> = {}
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      LitePullConsumerLive.layer(options).pipe(Layer.provideMerge(clientStack(instanceName, config))),
      scope
    )
    return {
      consumer: Context.get(context, LitePullConsumer),
      handlers: Context.get(context, RequestHandlers),
      close: Scope.close(scope, Exit.void)
    }
  })

/** Polls until `count` messages were handed out (each poll waiting up to `timeout`): the batches, in order. */
export const pollBatches = (
  consumer: LitePullConsumerService,
  count: number,
  timeout: Duration.DurationInput = "30 seconds"
) =>
  Effect.gen(function*() {
    const got: Array<PolledBatch> = []
    let n = 0
    while (n < count) {
      const batch = yield* consumer.pollBatch(timeout)
      if (batch === undefined) continue
      got.push(batch)
      n += batch.messages.length
    }
    return got
  })

/** The queue offsets handed out, by queue key, in the order handed out. */
export const offsetsByQueue = (batches: ReadonlyArray<PolledBatch>) => {
  const byQueue = new Map<string, Array<number>>()
  for (const b of batches) {
    const key = messageQueueKey(b.queue)
    byQueue.set(key, [...(byQueue.get(key) ?? []), ...b.messages.map((m) => m.queueOffset)])
  }
  return byQueue
}

/** Every message of the batches, in order. */
export const messagesOf = (batches: ReadonlyArray<PolledBatch>): ReadonlyArray<MessageExt> =>
  batches.flatMap((b) => b.messages)

/** The last UPDATE_CONSUMER_OFFSET every broker received for `group`, by queue key. */
export const brokerCommits = (group: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const commits = new Map<string, number>()
    for (const broker of cluster.brokers) {
      for (const r of yield* cluster.receivedRequests(broker.name)) {
        if (r.code !== RequestCode.UPDATE_CONSUMER_OFFSET || r.extFields.consumerGroup !== group) continue
        const queue = { topic: r.extFields.topic!, brokerName: broker.name, queueId: Number(r.extFields.queueId) }
        commits.set(messageQueueKey(queue), Number(r.extFields.commitOffset))
      }
    }
    return commits
  })

/** The queues of a topic on every broker of the cluster. */
export const queuesOf = (topic: string, perBroker: number) =>
  Effect.map(
    EmbeddedCluster,
    (cluster) =>
      cluster.brokers.flatMap((b) =>
        Array.from({ length: perBroker }, (_, queueId): MessageQueue => ({ topic, brokerName: b.name, queueId }))
      )
  )
