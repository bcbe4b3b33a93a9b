import { describe, expect, it } from "@effect/vitest"
import { Either, type Schema } from "effect"
import { decodeBody, encodeBody } from "../../src/protocol/bodies/Body.js"
import * as Group from "../../src/protocol/bodies/ConsumerGroupBodies.js"
import { HeartbeatData } from "../../src/protocol/bodies/HeartbeatData.js"
import {
  ClusterInfo,
  encodeClusterInfo,
  encodeTopicRouteData,
  TopicRouteData
} from "../../src/protocol/bodies/TopicRouteData.js"
import { allFrames, type CapturedFrame } from "../fixtures.js"

const isResponse = (f: CapturedFrame) => (f.header.flag & 1) === 1
const bodyCases = <A, I>(pick: (f: CapturedFrame) => boolean, schema: Schema.Schema<A, I>) =>
  allFrames.filter((f) => f.bodyText !== undefined && pick(f)).map((f) => [`${f.file}:${f.line}`, f, schema] as const)

describe("typed bodies on the captured frames", () => {
  const routes = bodyCases((f) => f.requestCode === 105 && isResponse(f) && f.header.code === 0, TopicRouteData)

  it("the captures hold routes in both JSON forms", () => {
    expect(routes.some(([, f]) => f.bodyText!.includes("{0:"))).toBe(true)
    expect(routes.some(([, f]) => f.bodyText!.includes("{\"0\":"))).toBe(true)
  })

  it.each(routes)("%s route decodes and is written back exactly as the name server wrote it", (_, f) => {
    const route = Either.getOrThrow(decodeBody(TopicRouteData, Buffer.from(f.bodyText!)))
    expect(route.brokerDatas[0]!.brokerAddrs["0"]).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(route.queueDatas.length).toBeGreaterThan(0)
    const standard = !f.bodyText!.includes("{0:")
    expect(encodeTopicRouteData(route, standard).toString("utf8")).toBe(f.bodyText)
  })

  it.each(bodyCases((f) => f.requestCode === 106 && isResponse(f), ClusterInfo))(
    "%s cluster info decodes from fastjson's form and is written back the same",
    (_, f) => {
      const info = Either.getOrThrow(decodeBody(ClusterInfo, Buffer.from(f.bodyText!)))
      expect(info.clusterAddrTable).toEqual({ DefaultCluster: ["broker-a"] })
      expect(info.brokerAddrTable["broker-a"]!.brokerAddrs).toEqual({ "0": "127.0.0.1:20911" })
      expect(encodeClusterInfo(info, false).toString("utf8")).toBe(f.bodyText)
    }
  )

  const exact = [
    ...bodyCases((f) => f.header.code === 34 && !isResponse(f), HeartbeatData),
    ...bodyCases((f) => f.requestCode === 38 && isResponse(f) && f.header.code === 0, Group.ConsumerListBody),
    ...bodyCases((f) => f.header.code === 41 && !isResponse(f), Group.LockBatchRequestBody),
    ...bodyCases((f) => f.requestCode === 41 && isResponse(f), Group.LockBatchResponseBody),
    ...bodyCases((f) => f.header.code === 42 && !isResponse(f), Group.UnlockBatchRequestBody)
  ] as ReadonlyArray<readonly [string, CapturedFrame, Schema.Schema<unknown, unknown>]>

  it("cover heartbeats, consumer lists and lock bodies", () => {
    expect(new Set(exact.map(([, f]) => f.requestCode))).toEqual(new Set([34, 38, 41, 42]))
  })

  it.each(exact)("%s decodes and encodes back to the same JSON text", (_, f, schema) => {
    const value = Either.getOrThrow(decodeBody(schema, Buffer.from(f.bodyText!)))
    expect(encodeBody(schema, value).toString("utf8")).toBe(f.bodyText)
  })

  it("a body of the wrong shape is a ProtocolError naming the field", () => {
    const result = decodeBody(HeartbeatData, Buffer.from("{\"producerDataSet\":[]}"))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.reason).toContain("clientID")
  })

  it("a body that is not JSON is a ProtocolError with the offset", () => {
    const result = decodeBody(TopicRouteData, Buffer.from("{\"brokerDatas\":[}"))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.offset).toBe(16)
  })
})
