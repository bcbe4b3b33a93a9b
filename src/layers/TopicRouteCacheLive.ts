import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { decodeBody } from "../protocol/bodies/Body.js"
import { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import { request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { BrokerResponseError } from "../services/BrokerResponseError.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"

/** Routes compared as Java compares them (`TopicRouteData.equals`), whatever order the name server listed them in. */
const sameRoute = (a: TopicRouteData, b: TopicRouteData): boolean => {
  const canonical = (r: TopicRouteData) =>
    JSON.stringify({
      brokers: [...r.brokerDatas].sort((x, y) => x.brokerName.localeCompare(y.brokerName)),
      queues: [...r.queueDatas].sort((x, y) => x.brokerName.localeCompare(y.brokerName)),
      order: r.orderTopicConf ?? null
    })
  return canonical(a) === canonical(b)
}

/**
 * The route cache over the transport's name-server calls. Routes are asked for in standard JSON
 * (`acceptStandardJsonOnly`), and fastjson's form is read too, for name servers before 4.9.4.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<TopicRouteCache, never, RemotingClient> = Layer.effect(
  TopicRouteCache,
  Effect.gen(function*() {
    const client = yield* RemotingClient
    // Both tables are replaced, never changed, on update; plain variables, as every update is synchronous.
    let routes: ReadonlyMap<string, TopicRouteData> = new Map()
    let brokers: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map()
    const service: TopicRouteCache["Type"] = {
      route: (topic) => Effect.sync(() => Option.fromNullable(routes.get(topic))),
      cachedRoute: (topic) => routes.get(topic),
      refresh: (topic) =>
        Effect.gen(function*() {
          const answer = yield* client.invokeNameServer(
            request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, acceptStandardJsonOnly: "true" })
          )
          if (answer.code === ResponseCode.TOPIC_NOT_EXIST) {
            return { route: Option.none(), changed: false }
          }
          if (answer.code !== ResponseCode.SUCCESS) {
            return yield* new BrokerResponseError({
              address: "name server",
              requestCode: RequestCode.GET_ROUTEINFO_BY_TOPIC,
              responseCode: answer.code,
              remark: answer.remark
            })
          }
          const route = yield* decodeBody(TopicRouteData, answer.body)
          const before = routes.get(topic)
          const changed = before === undefined || !sameRoute(before, route)
          if (changed) {
            routes = new Map(routes).set(topic, route)
            const next = new Map(brokers)
            for (const b of route.brokerDatas) next.set(b.brokerName, { ...b.brokerAddrs })
            brokers = next
          }
          return { route: Option.some(route), changed }
        }),
      brokerAddresses: Effect.sync(() => brokers),
      masterAddress: (brokerName) => Effect.sync(() => Option.fromNullable(brokers.get(brokerName)?.["0"])),
      cachedMasterAddress: (brokerName) => brokers.get(brokerName)?.["0"],
      removeOfflineBrokers: Effect.sync(() => {
        const named = new Set([...routes.values()].flatMap((r) => r.brokerDatas.map((b) => b.brokerName)))
        const table = brokers
        const offline = [...table.keys()].filter((name) => !named.has(name))
        if (offline.length === 0) return []
        brokers = new Map([...table].filter(([name]) => named.has(name)))
        return offline.flatMap((name) => Object.values(table.get(name) ?? {}))
      })
    }
    return service
  })
)
