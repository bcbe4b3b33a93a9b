import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { TopicList } from "../../protocol/bodies/AdminBodies.js"
import { encodeBody } from "../../protocol/bodies/Body.js"
import {
  type BrokerData,
  encodeClusterInfo,
  encodeTopicRouteData,
  type QueueData
} from "../../protocol/bodies/TopicRouteData.js"
import { GetRouteInfoRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import { response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { Version } from "../../protocol/Version.js"
import type { Broker } from "./Broker.js"
import type { ServerHandler } from "./RemotingServer.js"

/**
 * The embedded name server (Java: `NamesrvController` with `DefaultRequestProcessor` and `RouteInfoManager`). The
 * brokers live in the same process, so it reads their topics directly instead of waiting for registrations; a broker
 * that is stopped is left out of routes until it starts again.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeNameServer = (brokers: () => ReadonlyArray<Broker>): ServerHandler => (request) => {
  // Clients at 4.9.4 and later, or asking for it, get standard JSON; older ones fastjson's bare integer keys.
  const standardJson = (accept: boolean | undefined) => accept === true || request.version >= Version.V4_9_4
  const brokerData = (broker: Broker): BrokerData => ({
    brokerAddrs: { "0": broker.address },
    brokerName: broker.options.brokerName,
    cluster: broker.options.clusterName
  })
  switch (request.code) {
    case RequestCode.GET_ROUTEINFO_BY_TOPIC:
      return Either.match(decodeHeader(GetRouteInfoRequestHeader, request.extFields), {
        onLeft: (e) => Effect.succeed(response(request, ResponseCode.SYSTEM_ERROR, { remark: e.message })),
        onRight: (header) => {
          const serving = brokers().filter((b) => b.topics.has(header.topic))
          if (serving.length === 0) {
            return Effect.succeed(
              response(request, ResponseCode.TOPIC_NOT_EXIST, {
                remark:
                  `No topic route info in name server for the topic: ${header.topic}\nSee http://rocketmq.apache.org/docs/faq/ for further details.`
              })
            )
          }
          const queueDatas: Array<QueueData> = serving.map((b) => {
            const topic = b.topics.get(header.topic)!
            return {
              brokerName: b.options.brokerName,
              perm: topic.perm,
              readQueueNums: topic.readQueueNums,
              topicSysFlag: topic.topicSysFlag,
              writeQueueNums: topic.writeQueueNums
            }
          })
          const body = encodeTopicRouteData(
            { brokerDatas: serving.map(brokerData), filterServerTable: {}, queueDatas },
            standardJson(header.acceptStandardJsonOnly)
          )
          return Effect.succeed(response(request, ResponseCode.SUCCESS, { body }))
        }
      })
    case RequestCode.GET_BROKER_CLUSTER_INFO: {
      const all = brokers()
      const clusterAddrTable: Record<string, Array<string>> = {}
      for (const b of all) (clusterAddrTable[b.options.clusterName] ??= []).push(b.options.brokerName)
      const body = encodeClusterInfo(
        {
          brokerAddrTable: Object.fromEntries(all.map((b) => [b.options.brokerName, brokerData(b)])),
          clusterAddrTable
        },
        standardJson(undefined)
      )
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { body }))
    }
    case RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER: {
      const topicList = [...new Set(brokers().flatMap((b) => [...b.topics.keys()]))]
      return Effect.succeed(response(request, ResponseCode.SUCCESS, { body: encodeBody(TopicList, { topicList }) }))
    }
    // The name server reads its brokers' topics, so a topic deleted from them is gone from routes already.
    case RequestCode.DELETE_TOPIC_IN_NAMESRV:
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    default:
      return Effect.succeed(
        response(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
          remark: ` request type ${request.code} not supported`
        })
      )
  }
}
