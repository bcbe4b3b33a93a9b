import * as Schema from "effect/Schema"
import { stringifyFastJson } from "../FastJson.js"

/**
 * Permission bits of a topic's queues (Java: `PermName`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const PermName = {
  PRIORITY: 8,
  READ: 4,
  WRITE: 2,
  INHERIT: 1
} as const

/**
 * One broker's queues of a topic (Java: `QueueData`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const QueueData = Schema.Struct({
  brokerName: Schema.String,
  perm: Schema.Int,
  readQueueNums: Schema.Int,
  topicSysFlag: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  writeQueueNums: Schema.Int
}).annotations({ identifier: "QueueData" })

/** @since 0.1.0 @category bodies */
export type QueueData = Schema.Schema.Type<typeof QueueData>

/**
 * One broker group: its name, cluster, and addresses by broker id, 0 being the master (Java: `BrokerData`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const BrokerData = Schema.Struct({
  brokerAddrs: Schema.Record({ key: Schema.String, value: Schema.String }),
  brokerName: Schema.String,
  cluster: Schema.String
}).annotations({ identifier: "BrokerData" })

/** @since 0.1.0 @category bodies */
export type BrokerData = Schema.Schema.Type<typeof BrokerData>

/**
 * A topic's route, the body of a GET_ROUTEINFO_BY_TOPIC response (Java: `TopicRouteData`).
 *
 * @since 0.1.0
 * @category bodies
 */
/**
 * How one broker holds a static topic's logical queues (Java 5.x: `TopicQueueMappingInfo`): `currIdMap` maps each
 * logical (global) queue id it serves to its physical queue id.
 *
 * @since 0.1.0
 * @category bodies
 */
export const TopicQueueMappingInfo = Schema.Struct({
  bname: Schema.String,
  currIdMap: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Int }), { default: () => ({}) }),
  dirty: Schema.optional(Schema.Boolean),
  epoch: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  scope: Schema.optionalWith(Schema.String, { default: () => "__global__" }),
  topic: Schema.optional(Schema.String),
  totalQueues: Schema.optionalWith(Schema.Int, { default: () => 0 })
}).annotations({ identifier: "TopicQueueMappingInfo" })

/** @since 0.1.0 @category bodies */
export type TopicQueueMappingInfo = Schema.Schema.Type<typeof TopicQueueMappingInfo>

export const TopicRouteData = Schema.Struct({
  brokerDatas: Schema.Array(BrokerData),
  filterServerTable: Schema.optionalWith(
    Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }),
    { default: () => ({}) }
  ),
  orderTopicConf: Schema.optional(Schema.String),
  queueDatas: Schema.Array(QueueData),
  /** 5.x static topics: each broker's mapping of the topic's logical queues (see `StaticTopic`). */
  topicQueueMappingByBroker: Schema.optional(
    Schema.NullOr(Schema.Record({ key: Schema.String, value: TopicQueueMappingInfo }))
  )
}).annotations({ identifier: "TopicRouteData" })

/** @since 0.1.0 @category bodies */
export type TopicRouteData = Schema.Schema.Type<typeof TopicRouteData>

/**
 * The cluster layout, the body of a GET_BROKER_CLUSTER_INFO response (Java: `ClusterInfo`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ClusterInfo = Schema.Struct({
  brokerAddrTable: Schema.Record({ key: Schema.String, value: BrokerData }),
  clusterAddrTable: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
}).annotations({ identifier: "ClusterInfo" })

/** @since 0.1.0 @category bodies */
export type ClusterInfo = Schema.Schema.Type<typeof ClusterInfo>

/** `brokerAddrs` as fastjson writes a `Map<Long, String>`: bare integer keys. */
const fastJsonBrokerData = (b: BrokerData) => ({
  brokerAddrs: new Map(Object.entries(b.brokerAddrs).map(([id, addr]) => [Number(id), addr])),
  brokerName: b.brokerName,
  cluster: b.cluster
})

/**
 * A route body as a name server writes it: standard JSON for clients at version 401 (4.9.4) and later or those that
 * ask for it, else fastjson's form with bare integer broker ids (Java: `DefaultRequestProcessor.getRouteInfoByTopic`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeTopicRouteData = (route: TopicRouteData, standardJson: boolean): Buffer => {
  const value = {
    brokerDatas: standardJson ? route.brokerDatas : route.brokerDatas.map(fastJsonBrokerData),
    filterServerTable: route.filterServerTable,
    ...(route.orderTopicConf === undefined ? {} : { orderTopicConf: route.orderTopicConf }),
    queueDatas: route.queueDatas
  }
  return Buffer.from(standardJson ? JSON.stringify(value) : stringifyFastJson(value), "utf8")
}

/**
 * A cluster-info body in the same two forms as {@link encodeTopicRouteData}.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeClusterInfo = (info: ClusterInfo, standardJson: boolean): Buffer => {
  if (standardJson) return Buffer.from(JSON.stringify(info), "utf8")
  const brokerAddrTable = Object.fromEntries(
    Object.entries(info.brokerAddrTable).map(([name, b]) => [name, fastJsonBrokerData(b)])
  )
  return Buffer.from(stringifyFastJson({ brokerAddrTable, clusterAddrTable: info.clusterAddrTable }), "utf8")
}
