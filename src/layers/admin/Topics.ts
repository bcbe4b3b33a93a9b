import * as Effect from "effect/Effect"
import { TopicList, TopicStatsTable } from "../../protocol/bodies/AdminBodies.js"
import {
  DeleteTopicFromNamesrvRequestHeader,
  DeleteTopicRequestHeader,
  GetTopicStatsInfoRequestHeader
} from "../../protocol/headers/AdminHeaders.js"
import { CreateTopicRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import { compareMessageQueues } from "../../protocol/MessageQueue.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import type { AdminService, TopicQueueStats } from "../../services/Admin.js"
import { checkTopicName, checkTopicSettings, checkUserTopic } from "../../services/AdminValidation.js"
import type { AdminCalls } from "./AdminCalls.js"

/** The default topic a created topic's request names (Java: `TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC`). */
const DEFAULT_TOPIC = "TBW102"

/**
 * The topic operations (Java: `DefaultMQAdminExtImpl.createAndUpdateTopicConfig`, `deleteTopicInBroker`,
 * `deleteTopicInNameServer`, `fetchAllTopicList`, `examineTopicRouteInfo`, `examineTopicStats`).
 *
 * @since 0.1.0
 * @category admin
 */
export const makeTopics = (calls: AdminCalls) => {
  const { body, call, callNameServer, header, masters, route, routeMasters } = calls

  const createTopic: AdminService["createTopic"] = (settings) =>
    Effect.gen(function*() {
      const topic = yield* checkTopicSettings(settings)
      const brokers = yield* masters(settings)
      const extFields = yield* header(CreateTopicRequestHeader, {
        topic: topic.topic,
        defaultTopic: DEFAULT_TOPIC,
        readQueueNums: topic.readQueueNums,
        writeQueueNums: topic.writeQueueNums,
        perm: topic.perm,
        topicFilterType: "SINGLE_TAG",
        topicSysFlag: 0,
        order: false
      })
      yield* Effect.forEach(brokers, (b) => call(b.address, request(RequestCode.UPDATE_AND_CREATE_TOPIC, extFields)), {
        discard: true
      })
      return brokers
    })

  const deleteTopic: AdminService["deleteTopic"] = (topic, target) =>
    Effect.gen(function*() {
      yield* checkUserTopic(topic)
      const brokers = yield* masters(target)
      const inBroker = yield* header(DeleteTopicRequestHeader, { topic })
      yield* Effect.forEach(brokers, (b) => call(b.address, request(RequestCode.DELETE_TOPIC_IN_BROKER, inBroker)), {
        discard: true
      })
      const inNameServer = yield* header(DeleteTopicFromNamesrvRequestHeader, { topic, clusterName: target?.cluster })
      const nameServers = yield* calls.nameServerAddresses
      yield* Effect.forEach(
        nameServers,
        (address) => call(address, request(RequestCode.DELETE_TOPIC_IN_NAMESRV, inNameServer)),
        { discard: true }
      )
    })

  const listTopics: AdminService["listTopics"] = Effect.gen(function*() {
    const answer = yield* callNameServer(request(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER))
    const list = yield* body(TopicList, answer)
    return [...new Set(list.topicList)].sort()
  })

  const topicRoute: AdminService["topicRoute"] = (topic) => Effect.flatMap(checkTopicName(topic), route)

  const topicStats: AdminService["topicStats"] = (topic) =>
    Effect.gen(function*() {
      yield* checkTopicName(topic)
      const brokers = yield* routeMasters(topic)
      const extFields = yield* header(GetTopicStatsInfoRequestHeader, { topic })
      const tables = yield* Effect.forEach(brokers, (b) =>
        Effect.flatMap(call(b.address, request(RequestCode.GET_TOPIC_STATS_INFO, extFields)), (answer) =>
          body(TopicStatsTable, answer)))
      return tables.flatMap((t) =>
        t.offsetTable
      )
        .sort(([a], [b]) => compareMessageQueues(a, b))
        .map(([q, o]): TopicQueueStats => ({
          topic: q.topic,
          brokerName: q.brokerName,
          queueId: q.queueId,
          minOffset: o.minOffset,
          maxOffset: o.maxOffset,
          lastUpdateTimestamp: o.lastUpdateTimestamp
        }))
    })

  return { createTopic, deleteTopic, listTopics, topicRoute, topicStats }
}
