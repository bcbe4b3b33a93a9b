import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { encodeBody } from "../protocol/bodies/Body.js"
import { HeartbeatData } from "../protocol/bodies/HeartbeatData.js"
import { request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import type { ClientConfig } from "../services/ClientConfig.js"
import { CLIENT_INNER_PRODUCER_GROUP, GroupTable } from "../services/GroupTable.js"
import { Heartbeat } from "../services/Heartbeat.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { scheduled } from "./ScheduledTask.js"

/**
 * The first scheduled round after the instance starts (Java: `startScheduledTask`, 1 s).
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DELAY = Duration.seconds(1)

/**
 * The heartbeat with its scheduled task: first after 1 s, then every `heartbeatBrokerInterval` (30 s), each round
 * first forgetting the brokers no route names any more and closing their connections (Java: `cleanOfflineBroker`),
 * then heartbeats. Each broker's answer gives its version, kept by address until the broker goes offline.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Pick<ClientConfig, "apiTimeout" | "heartbeatBrokerInterval"> & {
    readonly clientId: string
  }
): Layer.Layer<Heartbeat, never, GroupTable | RemotingClient | TopicRouteCache> =>
  Layer.scoped(
    Heartbeat,
    Effect.gen(function*() {
      const client = yield* RemotingClient
      const routes = yield* TopicRouteCache
      const groups = yield* GroupTable
      const lock = yield* Effect.makeSemaphore(1)
      const { apiTimeout: timeout, clientId } = config

      /** Broker addresses: every master, and the slaves too when asked (consumers pull from slaves). */
      const brokers = (withSlaves: boolean) =>
        Effect.map(routes.brokerAddresses, (table) =>
          [...table.values()].flatMap((ids) =>
            Object.entries(ids).filter(([brokerId]) =>
              withSlaves || brokerId === "0"
            ).map(([, address]) => address)
          ))

      const unregister = (group: { readonly producerGroup: string } | { readonly consumerGroup: string }) =>
        Effect.flatMap(brokers(true), (addresses) =>
          Effect.forEach(addresses, (address) =>
            client.invoke(address, request(RequestCode.UNREGISTER_CLIENT, { clientID: clientId, ...group }), timeout)
              .pipe(
                Effect.catchAll((error) =>
                  Effect.logWarning("unregister failed").pipe(Effect.annotateLogs({ address, error: error.message }))
                )
              ), { concurrency: "unbounded", discard: true }))

      const heartbeatData = Effect.gen(function*() {
        const consumerDataSet = yield* Effect.forEach(yield* groups.consumers, (c) =>
          c.data)
        const producerDataSet = [
          ...(yield* groups.producers).map((p) =>
            p.groupName
          ),
          CLIENT_INNER_PRODUCER_GROUP
        ]
          .map((groupName) => ({ groupName }))
        return { clientID: clientId, producerDataSet, consumerDataSet }
      })

      /** Each broker's version, from its answers to heartbeats, by address (Java: `brokerVersionTable`). */
      const versions = new Map<string, number>()

      const heartbeatTo = (address: string, body: Uint8Array) =>
        client.invoke(address, request(RequestCode.HEART_BEAT, {}, { body }), timeout).pipe(
          Effect.flatMap((answer) =>
            answer.code === ResponseCode.SUCCESS
              ? Effect.sync(() => void versions.set(address, answer.version))
              : Effect.logWarning("heartbeat refused").pipe(
                Effect.annotateLogs({ address, code: answer.code, remark: answer.remark ?? "" })
              )
          ),
          Effect.catchAll((error) =>
            Effect.logWarning("heartbeat failed").pipe(Effect.annotateLogs({ address, error: error.message }))
          )
        )

      const sendToAllBrokers = lock.withPermits(1)(Effect.gen(function*() {
        const data = yield* heartbeatData
        const body = encodeBody(HeartbeatData, data)
        const addresses = yield* brokers(data.consumerDataSet.length > 0)
        yield* Effect.forEach(addresses, (address) => heartbeatTo(address, body), {
          concurrency: "unbounded",
          discard: true
        })
      })).pipe(Effect.annotateLogs({ clientId }))

      /** A broker not heartbeated yet gets one heartbeat first (unless a round got there while this waited). */
      const heartbeatFirst = (address: string) =>
        lock.withPermits(1)(Effect.suspend(() =>
          versions.has(address)
            ? Effect.void
            : Effect.flatMap(heartbeatData, (data) => heartbeatTo(address, encodeBody(HeartbeatData, data)))
        )).pipe(Effect.map(() => versions.get(address)), Effect.annotateLogs({ clientId }))

      const brokerVersion = (address: string): Effect.Effect<number | undefined> =>
        Effect.suspend(() => versions.has(address) ? Effect.succeed(versions.get(address)) : heartbeatFirst(address))

      const cleanOfflineBrokers = Effect.flatMap(
        routes.removeOfflineBrokers,
        (addresses) =>
          Effect.forEach(addresses, (address) =>
            Effect.zipRight(
              Effect.sync(() => versions.delete(address)),
              client.closeConnection(address)
            ), { discard: true })
      )

      yield* scheduled(
        "heartbeat",
        FIRST_DELAY,
        config.heartbeatBrokerInterval,
        Effect.zipRight(cleanOfflineBrokers, sendToAllBrokers)
      )
      return { sendToAllBrokers, brokerVersion, unregister }
    })
  )
