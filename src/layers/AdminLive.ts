import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { KVTable } from "../protocol/bodies/AdminBodies.js"
import { request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { Admin, type AdminService } from "../services/Admin.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { makeAdminCalls } from "./admin/AdminCalls.js"
import { makeGroups } from "./admin/Groups.js"
import { makeMessages } from "./admin/Messages.js"
import { makeOffsets } from "./admin/Offsets.js"
import { makeTopics } from "./admin/Topics.js"

/**
 * Settings of the admin API: the timeout of each request (Java: `DefaultMQAdminExt.timeoutMillis`, 5 s).
 *
 * @since 0.1.0
 * @category models
 */
export interface AdminSettings {
  readonly timeoutMillis?: number | undefined
}

/**
 * Builds the admin service over the client's transport and name servers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  settings: AdminSettings = {}
): Effect.Effect<AdminService, never, RemotingClient | NameServerAddresses> =>
  Effect.gen(function*() {
    const calls = makeAdminCalls({
      client: yield* RemotingClient,
      nameServers: yield* NameServerAddresses,
      timeout: Duration.millis(settings.timeoutMillis ?? 5_000)
    })
    const brokerRuntimeInfo: AdminService["brokerRuntimeInfo"] = (address) =>
      Effect.flatMap(
        calls.call(address, request(RequestCode.GET_BROKER_RUNTIME_INFO)),
        (answer) => Effect.map(calls.body(KVTable, answer), (kv) => kv.table)
      )
    return {
      ...makeTopics(calls),
      ...makeGroups(calls),
      ...makeOffsets(calls),
      ...makeMessages(calls),
      clusterBrokers: calls.clusterBrokers,
      brokerRuntimeInfo
    }
  })

/**
 * The admin service as a layer, on a client's transport (`ClientLive.layer(...)` provides it):
 *
 * @example
 * ```ts
 * const AdminLayer = AdminLive.layer().pipe(Layer.provide(ClientLive.layer({ nameServerAddress: "127.0.0.1:9876" })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (settings?: AdminSettings): Layer.Layer<Admin, never, RemotingClient | NameServerAddresses> =>
  Layer.effect(Admin, make(settings))
