import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import {
  ConsumerConnection,
  encodeQueueTableBody,
  type OffsetWrapper,
  SubscriptionGroupConfig,
  SubscriptionGroupWrapper
} from "../../protocol/bodies/AdminBodies.js"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  DeleteSubscriptionGroupRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumeStatsRequestHeader
} from "../../protocol/headers/AdminHeaders.js"
import { GetConsumerRunningInfoRequestHeader, ResetOffsetRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { type RemotingCommand, request as requestOf, response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, fail, offsetKey, parseOffsetKey, withHeader } from "./BrokerState.js"

/** How long the broker waits for a client it forwards a request to (Java: `callClient`'s 10 s). */
const CALL_CLIENT_TIMEOUT_MILLIS = 10_000

/**
 * The broker's consumer-group administration (Java: `AdminBrokerProcessor.updateAndCreateSubscriptionGroup`,
 * `deleteSubscriptionGroup`, `getConsumerConnectionList`, `getConsumeStats`, `getConsumerRunningInfo` through
 * `callConsumer`, and `Broker2Client.resetOffset` for INVOKE_BROKER_TO_RESET_OFFSET).
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeGroupAdminProcessor = (state: BrokerState) => {
  const { clients, consumerOffsets, options, store, subscriptionGroups, topics } = state

  const updateAndCreateSubscriptionGroup = (request: RemotingCommand) =>
    Either.match(decodeBody(SubscriptionGroupConfig, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (config) => {
        subscriptionGroups.set(config.groupName, config)
        return Effect.succeed(response(request, ResponseCode.SUCCESS))
      }
    })

  const getAllSubscriptionGroup = (request: RemotingCommand) =>
    Effect.succeed(
      response(request, ResponseCode.SUCCESS, {
        body: encodeBody(SubscriptionGroupWrapper, { subscriptionGroupTable: Object.fromEntries(subscriptionGroups) })
      })
    )

  const deleteSubscriptionGroup = (request: RemotingCommand) =>
    withHeader(request, DeleteSubscriptionGroupRequestHeader, (h) => {
      subscriptionGroups.delete(h.groupName)
      if (h.removeOffset === true || h.cleanOffset === true) {
        for (const key of [...consumerOffsets.keys()]) {
          if (parseOffsetKey(key).group === h.groupName) consumerOffsets.delete(key)
        }
      }
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    })

  const getConsumerConnectionList = (request: RemotingCommand) =>
    withHeader(request, GetConsumerConnectionListRequestHeader, (h) => {
      const group = clients.consumerGroup(h.consumerGroup)
      if (group === undefined) {
        return fail(request, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${h.consumerGroup}] not online`)
      }
      const body = encodeBody(ConsumerConnection, {
        connectionSet: [...group.members.values()].map((m) => ({
          clientId: m.clientId,
          clientAddr: m.connection.remoteAddress,
          language: m.language,
          version: m.version
        })),
        consumeFromWhere: group.data.consumeFromWhere,
        consumeType: group.data.consumeType,
        messageModel: group.data.messageModel,
        subscriptionTable: Object.fromEntries(group.subscriptions)
      })
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { body }))
    })

  /** The group's offset of a queue, -1 when it has none (Java: `ConsumerOffsetManager.queryOffset`). */
  const groupOffset = (group: string, topic: string, queueId: number) =>
    consumerOffsets.get(offsetKey(group, topic, queueId)) ?? -1

  const getConsumeStats = (request: RemotingCommand) =>
    withHeader(request, GetConsumeStatsRequestHeader, (h) => {
      const group = h.consumerGroup
      const named = h.topic !== undefined && h.topic.trim().length > 0 ? [h.topic] : [
        ...new Set([...consumerOffsets.keys()].map(parseOffsetKey).filter((k) => k.group === group).map((k) => k.topic))
      ]
      const online = clients.consumerGroup(group)
      const table: Array<readonly [MessageQueue, OffsetWrapper]> = []
      for (const topic of named) {
        const config = topics.get(topic)
        if (config === undefined) continue
        // A group online that does not subscribe to the topic has no stats of it.
        if (online !== undefined && online.subscriptions.size > 0 && !online.subscriptions.has(topic)) continue
        for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
          const consumerOffset = Math.max(0, groupOffset(group, topic, queueId))
          table.push([{ topic, brokerName: options.brokerName, queueId }, {
            brokerOffset: store.maxOffset(topic, queueId),
            consumerOffset,
            lastTimestamp: consumerOffset > 0 ? store.storeTimestampAt(topic, queueId, consumerOffset - 1) : 0
          }])
        }
      }
      // The embedded broker keeps no per-group TPS statistics: 0, as a broker that saw no pull in the last minute.
      return Effect.succeed(
        response(request, ResponseCode.SUCCESS, { body: encodeQueueTableBody({ consumeTps: 0 }, table) })
      )
    })

  const getConsumerRunningInfo = (request: RemotingCommand) =>
    withHeader(request, GetConsumerRunningInfoRequestHeader, (h) => {
      const member = clients.consumerGroup(h.consumerGroup)?.members.get(h.clientId)
      if (member === undefined) {
        return fail(request, ResponseCode.SYSTEM_ERROR, `The Consumer <${h.consumerGroup}> <${h.clientId}> not online`)
      }
      return member.connection.invoke(request, CALL_CLIENT_TIMEOUT_MILLIS).pipe(
        Effect.catchAll((e) =>
          fail(
            request,
            ResponseCode.SYSTEM_ERROR,
            `invoke consumer <${h.consumerGroup}> <${h.clientId}> Exception: ${e.message}`
          )
        )
      )
    })

  const invokeBrokerToResetOffset = (request: RemotingCommand) =>
    withHeader(request, ResetOffsetRequestHeader, (h) => {
      const config = topics.get(h.topic)
      if (config === undefined) {
        return fail(
          request,
          ResponseCode.SYSTEM_ERROR,
          `[reset-offset] reset offset failed, no topic in this broker. topic=${h.topic}`
        )
      }
      const table: Array<readonly [MessageQueue, number]> = []
      for (let queueId = 0; queueId < config.writeQueueNums; queueId++) {
        const consumerOffset = groupOffset(h.group, h.topic, queueId)
        if (consumerOffset === -1) {
          return fail(request, ResponseCode.SYSTEM_ERROR, `THe consumer group <${h.group}> not exist`)
        }
        const timestampOffset = h.timestamp === -1
          ? store.maxOffset(h.topic, queueId)
          : store.searchOffset(h.topic, queueId, h.timestamp)
        table.push([
          { topic: h.topic, brokerName: options.brokerName, queueId },
          h.isForce || timestampOffset < consumerOffset ? timestampOffset : consumerOffset
        ])
      }
      const members = [...(clients.consumerGroup(h.group)?.members.values() ?? [])]
      if (members.length === 0) {
        return fail(
          request,
          ResponseCode.CONSUMER_NOT_ONLINE,
          `Consumer not online, so can not reset offset, Group: ${h.group} Topic: ${h.topic} Timestamp: ${h.timestamp}`
        )
      }
      const body = encodeQueueTableBody({}, table)
      const tell = requestOf(
        RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
        { topic: h.topic, group: h.group, timestamp: String(h.timestamp), isForce: "false" },
        { body, oneway: true }
      )
      for (const member of members) {
        member.connection.send(tell)
      }
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { body }))
    })

  return {
    updateAndCreateSubscriptionGroup,
    getAllSubscriptionGroup,
    deleteSubscriptionGroup,
    getConsumerConnectionList,
    getConsumeStats,
    getConsumerRunningInfo,
    invokeBrokerToResetOffset
  }
}
