// Requests and clients for tests that drive the embedded cluster with the project's own client.
import { Effect, Either, Layer } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { encodeBody } from "../../src/protocol/bodies/Body.js"
import { type ConsumerData, HeartbeatData } from "../../src/protocol/bodies/HeartbeatData.js"
import { encodeHeader } from "../../src/protocol/headers/CommandHeader.js"
import { PullMessageRequestHeader, PullSysFlag } from "../../src/protocol/headers/ConsumeHeaders.js"
import { SendMessageRequestHeaderV2 } from "../../src/protocol/headers/SendHeaders.js"
import { propertiesToString } from "../../src/protocol/MessageProperties.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import type { RemotingClientConfig } from "../../src/services/RemotingClient.js"
import { type RpcHook, RpcHooks } from "../../src/services/RpcHooks.js"

/** A client of its own (connections, handlers) on an embedded cluster. */
export const clientOn = (config?: Partial<RemotingClientConfig>, hooks: ReadonlyArray<RpcHook> = []) =>
  Layer.unwrapEffect(
    Effect.map(EmbeddedCluster, (cluster) =>
      RemotingClientLive.layer(config).pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.layer(hooks)),
        Layer.provideMerge(NameServerAddresses.fixed([cluster.nameServerAddress]))
      ))
  )

export const withCluster = (options?: EmbeddedClusterLive.EmbeddedClusterOptions) => EmbeddedClusterLive.layer(options)

export const send = (topic: string, body: string, properties: Record<string, string>, queueId = 0) =>
  request(
    RequestCode.SEND_MESSAGE_V2,
    Either.getOrThrow(encodeHeader(SendMessageRequestHeaderV2, {
      producerGroup: "test_producer",
      topic,
      defaultTopic: "TBW102",
      defaultTopicQueueNums: 4,
      queueId,
      sysFlag: 0,
      bornTimestamp: 1,
      flag: 0,
      properties: propertiesToString(properties),
      reconsumeTimes: 0,
      unitMode: false,
      batch: false
    })),
    { body: Buffer.from(body) }
  )

export const pull = (topic: string, queueOffset: number, options: { suspend?: boolean; expression?: string } = {}) =>
  request(
    RequestCode.PULL_MESSAGE,
    Either.getOrThrow(encodeHeader(PullMessageRequestHeader, {
      consumerGroup: "test_consumer",
      topic,
      queueId: 0,
      queueOffset,
      maxMsgNums: 32,
      sysFlag: PullSysFlag.SUBSCRIPTION | (options.suspend ? PullSysFlag.SUSPEND : 0),
      commitOffset: 0,
      suspendTimeoutMillis: 15000,
      subscription: options.expression ?? "*",
      subVersion: 0,
      expressionType: "TAG"
    }))
  )

/** A push consumer group subscribed to every tag of Orders, as heartbeats describe it. */
export const consumerData = (groupName: string): ConsumerData => ({
  groupName,
  consumeType: "CONSUME_PASSIVELY",
  messageModel: "CLUSTERING",
  consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
  unitMode: false,
  subscriptionDataSet: [{
    classFilterMode: false,
    topic: "Orders",
    subString: "*",
    tagsSet: [],
    codeSet: [],
    subVersion: 1,
    expressionType: "TAG"
  }]
})

export const heartbeat = (clientID: string, group: string) =>
  request(RequestCode.HEART_BEAT, {}, {
    body: encodeBody(HeartbeatData, { clientID, producerDataSet: [], consumerDataSet: [consumerData(group)] })
  })
