import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeBody } from "../../protocol/bodies/Body.js"
import { HeartbeatData } from "../../protocol/bodies/HeartbeatData.js"
import { UnregisterClientRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { brokerVersionOf, RETRY_GROUP_TOPIC_PREFIX } from "./BrokerConfig.js"
import { type BrokerState, fail, withHeader } from "./BrokerState.js"
import type { TopicConfig } from "./MessageStore.js"
import type { ServerConnection } from "./RemotingServer.js"

/**
 * The broker's client-management requests (Java: `ClientManageProcessor`): heartbeats register a client's producer
 * and consumer groups (creating each consumer group's retry topic with `groupTopic`), and clients unregister them.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeClientManageProcessor = (state: BrokerState, groupTopic: (topicName: string) => TopicConfig) => {
  const { clients } = state
  // Clients keep the version a broker answers heartbeats with (Java: `MQClientInstance.brokerVersionTable`).
  const { version } = brokerVersionOf(state.options)

  const heartbeat = (request: RemotingCommand, connection: ServerConnection) =>
    Either.match(decodeBody(HeartbeatData, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (data) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const client = { clientId: data.clientID, language: request.language, version: request.version }
          for (const consumer of data.consumerDataSet) {
            // Java creates the group's retry topic when it first hears of the group (`autoCreateSubscriptionGroup`).
            groupTopic(`${RETRY_GROUP_TOPIC_PREFIX}${consumer.groupName}`)
            clients.registerConsumer(consumer, client, connection, now)
          }
          for (const producer of data.producerDataSet) {
            clients.registerProducer(producer.groupName, client, connection, now)
          }
          return response(request, ResponseCode.SUCCESS, { version })
        })
    })

  const unregisterClient = (request: RemotingCommand) =>
    withHeader(request, UnregisterClientRequestHeader, (h) => {
      if (h.producerGroup !== undefined) clients.unregisterProducer(h.producerGroup, h.clientID)
      if (h.consumerGroup !== undefined) clients.unregisterConsumer(h.consumerGroup, h.clientID)
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { extFields: {} }))
    })

  return { heartbeat, unregisterClient }
}
