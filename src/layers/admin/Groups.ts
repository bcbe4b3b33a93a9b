import * as Effect from "effect/Effect"
import {
  ConsumerConnection,
  ConsumeStats,
  SubscriptionGroupConfig,
  SubscriptionGroupWrapper
} from "../../protocol/bodies/AdminBodies.js"
import { encodeBody } from "../../protocol/bodies/Body.js"
import { ConsumerRunningInfo } from "../../protocol/bodies/ConsumerRunningInfo.js"
import {
  DeleteSubscriptionGroupRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumeStatsRequestHeader
} from "../../protocol/headers/AdminHeaders.js"
import { GetConsumerRunningInfoRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import { compareMessageQueues } from "../../protocol/MessageQueue.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { AdminNotFoundError, type AdminService, type QueueProgress } from "../../services/Admin.js"
import { checkGroupName, checkGroupSettings, checkTopicName } from "../../services/AdminValidation.js"
import type { AdminCalls } from "./AdminCalls.js"

/**
 * The consumer-group operations (Java: `DefaultMQAdminExtImpl.createAndUpdateSubscriptionGroupConfig`,
 * `deleteSubscriptionGroup`, `examineConsumerConnectionInfo`, `examineConsumeStats`, `getConsumerRunningInfo`). A
 * group's brokers are those of its retry topic, `%RETRY%{group}`, which every broker a consumer of the group
 * heartbeats to creates.
 *
 * @since 0.1.0
 * @category admin
 */
export const makeGroups = (calls: AdminCalls) => {
  const { body, call, header, masters, routeMasters } = calls
  const groupBrokers = (group: string) => routeMasters(`${RETRY_GROUP_TOPIC_PREFIX}${group}`)

  const createGroup: AdminService["createGroup"] = (settings) =>
    Effect.gen(function*() {
      const config = yield* checkGroupSettings(settings)
      const brokers = yield* masters(settings)
      const encoded = encodeBody(SubscriptionGroupConfig, config)
      yield* Effect.forEach(
        brokers,
        (b) => call(b.address, request(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, { body: encoded })),
        { discard: true }
      )
      return brokers
    })

  const groupConfigs: AdminService["groupConfigs"] = (group, target) =>
    Effect.gen(function*() {
      yield* checkGroupName(group)
      const found = yield* Effect.forEach(yield* masters(target), (broker) =>
        Effect.gen(function*() {
          const answer = yield* call(broker.address, request(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG))
          const config = (yield* body(SubscriptionGroupWrapper, answer)).subscriptionGroupTable[group]
          return config === undefined ? [] : [{ broker, config }]
        }))
      return found.flat()
    })

  const deleteGroup: AdminService["deleteGroup"] = (group, options) =>
    Effect.gen(function*() {
      yield* checkGroupName(group)
      const brokers = yield* masters(options)
      const removeOffset = options?.removeOffset ?? false
      const extFields = yield* header(DeleteSubscriptionGroupRequestHeader, {
        groupName: group,
        removeOffset,
        cleanOffset: removeOffset
      })
      yield* Effect.forEach(brokers, (b) => call(b.address, request(RequestCode.DELETE_SUBSCRIPTIONGROUP, extFields)), {
        discard: true
      })
      return brokers
    })

  const groupConnections: AdminService["groupConnections"] = (group) =>
    Effect.gen(function*() {
      yield* checkGroupName(group)
      const extFields = yield* header(GetConsumerConnectionListRequestHeader, { consumerGroup: group })
      for (const broker of yield* groupBrokers(group)) {
        const answer = yield* call(broker.address, request(RequestCode.GET_CONSUMER_CONNECTION_LIST, extFields), [
          ResponseCode.SUCCESS,
          ResponseCode.CONSUMER_NOT_ONLINE
        ])
        if (answer.code !== ResponseCode.SUCCESS) continue
        const connections = yield* body(ConsumerConnection, answer)
        if (connections.connectionSet.length > 0) return connections
      }
      return yield* new AdminNotFoundError({ what: "consumer group", name: group, reason: "no consumer online" })
    })

  const consumeProgress: AdminService["consumeProgress"] = (group, topic) =>
    Effect.gen(function*() {
      yield* checkGroupName(group)
      if (topic !== undefined) yield* checkTopicName(topic)
      const extFields = yield* header(GetConsumeStatsRequestHeader, { consumerGroup: group, topic })
      const stats = yield* Effect.forEach(yield* groupBrokers(group), (b) =>
        Effect.flatMap(call(b.address, request(RequestCode.GET_CONSUME_STATS, extFields)), (answer) =>
          body(ConsumeStats, answer)))
      const queues = stats.flatMap((s) =>
        s.offsetTable
      )
        .sort(([a], [b]) => compareMessageQueues(a, b))
        .map(([q, o]): QueueProgress => ({
          topic: q.topic,
          brokerName: q.brokerName,
          queueId: q.queueId,
          brokerOffset: o.brokerOffset,
          consumerOffset: o.consumerOffset,
          lag: o.brokerOffset - o.consumerOffset,
          lastTimestamp: o.lastTimestamp
        }))
      if (queues.length === 0) {
        return yield* new AdminNotFoundError({
          what: "consumer group",
          name: group,
          reason: "no consume stats: the brokers have no offsets of it (it may not have consumed anything)"
        })
      }
      return {
        group,
        queues,
        totalLag: queues.reduce((sum, q) => sum + q.lag, 0),
        consumeTps: stats.reduce((sum, s) => sum + s.consumeTps, 0)
      }
    })

  const consumerRunningInfo: AdminService["consumerRunningInfo"] = (group, clientId) =>
    Effect.gen(function*() {
      yield* checkGroupName(group)
      const [broker] = yield* groupBrokers(group)
      if (broker === undefined) {
        return yield* new AdminNotFoundError({ what: "consumer group", name: group, reason: "no broker serves it" })
      }
      const extFields = yield* header(GetConsumerRunningInfoRequestHeader, {
        consumerGroup: group,
        clientId,
        jstackEnable: false
      })
      const answer = yield* call(broker.address, request(RequestCode.GET_CONSUMER_RUNNING_INFO, extFields))
      return yield* body(ConsumerRunningInfo, answer)
    })

  return { createGroup, groupConfigs, deleteGroup, groupConnections, consumeProgress, consumerRunningInfo }
}
