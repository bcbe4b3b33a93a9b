import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { subscribeQueues } from "../../src/layers/consumer/Rebalance.js"
import { decodeBody } from "../../src/protocol/bodies/Body.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { brokerNameOfQueue, staticTopicEndpoints } from "../../src/protocol/StaticTopic.js"
import { publishQueues } from "../../src/services/TopicPublishInfo.js"

// A static topic of 4 logical queues over broker-a (0, 1) and broker-b (2, 3); an older epoch had queue 2 on broker-c.
// As a 5.x name server writes it (fastjson: integer map keys unquoted).
const routeJson = `{"brokerDatas":[
  {"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"c"},
  {"brokerAddrs":{0:"10.0.0.2:10911"},"brokerName":"broker-b","cluster":"c"},
  {"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-c","cluster":"c"}],
 "filterServerTable":{},
 "queueDatas":[
  {"brokerName":"broker-a","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},
  {"brokerName":"broker-b","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},
  {"brokerName":"broker-c","perm":6,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":1}],
 "topicQueueMappingByBroker":{
  "broker-a":{"bname":"broker-a","currIdMap":{0:0,1:1},"dirty":false,"epoch":2,"scope":"__global__","topic":"S","totalQueues":4},
  "broker-b":{"bname":"broker-b","currIdMap":{2:0,3:1},"dirty":false,"epoch":2,"scope":"__global__","topic":"S","totalQueues":4},
  "broker-c":{"bname":"broker-c","currIdMap":{2:0},"dirty":false,"epoch":1,"scope":"__global__","topic":"S","totalQueues":3}}}`

const route = Either.getOrThrow(decodeBody(TopicRouteData, Buffer.from(routeJson)))

describe("static topics (RocketMQ 5.x topicQueueMappingByBroker)", () => {
  const logical = [0, 1, 2, 3].map((queueId) => ({ topic: "S", brokerName: "__syslo__global__", queueId }))

  it("producers and consumers see the logical queues, not the brokers' physical ones", () => {
    expect(publishQueues("S", route)).toEqual(logical)
    expect(subscribeQueues("S", route)).toEqual(logical)
  })

  it("each logical queue is served by the broker of the newest epoch mapping it", () => {
    expect(staticTopicEndpoints("S", route).map((e) => e.brokerName)).toEqual([
      "broker-a",
      "broker-a",
      "broker-b",
      "broker-b"
    ])
    expect(logical.map((q) => brokerNameOfQueue(route, q))).toEqual(["broker-a", "broker-a", "broker-b", "broker-b"])
  })

  it("a queue nobody maps points nowhere; a topic that is not static keeps its physical queues", () => {
    const gap = Either.getOrThrow(
      decodeBody(TopicRouteData, Buffer.from(routeJson.replace(`"currIdMap":{2:0,3:1}`, `"currIdMap":{2:0}`)))
    )
    expect(brokerNameOfQueue(gap, { topic: "S", brokerName: "__syslo__global__", queueId: 3 })).toBe("__syslo__none__")
    const plain = { ...route, topicQueueMappingByBroker: undefined }
    expect(publishQueues("S", plain).map((q) => q.brokerName)).toEqual([
      "broker-a",
      "broker-a",
      "broker-b",
      "broker-b",
      "broker-c"
    ])
    expect(brokerNameOfQueue(plain, { topic: "S", brokerName: "broker-b", queueId: 1 })).toBe("broker-b")
  })
})
