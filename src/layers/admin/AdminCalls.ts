import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import { decodeBody } from "../../protocol/bodies/Body.js"
import { ClusterInfo, TopicRouteData } from "../../protocol/bodies/TopicRouteData.js"
import { type CommandHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import { type RemotingCommand, request } from "../../protocol/RemotingCommand.js"
import { RequestCode, requestCodeName } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import {
  AdminNotFoundError,
  type AdminTarget,
  AdminValidationError,
  type BrokerAddress,
  type ClusterBroker
} from "../../services/Admin.js"
import { BrokerResponseError } from "../../services/BrokerResponseError.js"
import type { NameServerAddressesService } from "../../services/NameServerAddresses.js"
import type { RemotingClientService } from "../../services/RemotingClient.js"

/**
 * What the admin calls stand on: the transport, the name servers and the timeout of each request (Java:
 * `DefaultMQAdminExt.timeoutMillis`).
 *
 * @since 0.1.0
 * @category admin
 */
export interface AdminDeps {
  readonly client: RemotingClientService
  readonly nameServers: NameServerAddressesService
  readonly timeout: Duration.Duration
}

/** The name the transport's errors and spans give the name servers. */
const NAME_SERVER = "name server"

/**
 * The admin API's request plumbing (Java: `MQClientAPIImpl` as `DefaultMQAdminExtImpl` uses it): a request to a
 * broker or to the name servers whose answer must be one of the accepted codes (any other the typed
 * `BrokerResponseError`), bodies decoded, the cluster's layout and a topic's route, the master brokers of a target.
 *
 * @since 0.1.0
 * @category admin
 */
export const makeAdminCalls = (deps: AdminDeps) => {
  const { client, nameServers, timeout } = deps

  const checked =
    (address: string, command: RemotingCommand, accept: ReadonlyArray<number>) => (answer: RemotingCommand) =>
      accept.includes(answer.code)
        ? Effect.succeed(answer)
        : Effect.fail(
          new BrokerResponseError({
            address,
            requestCode: command.code,
            responseCode: answer.code,
            remark: answer.remark
          })
        )

  const span = (command: RemotingCommand, address: string) =>
    Effect.withSpan(`Admin.${requestCodeName(command.code) ?? command.code}`, {
      kind: "client",
      captureStackTrace: false,
      attributes: { "rocketmq.address": address }
    })

  /** A request to one broker (or one name server) whose answer must be SUCCESS, or one of `accept`. */
  const call = (address: string, command: RemotingCommand, accept: ReadonlyArray<number> = [ResponseCode.SUCCESS]) =>
    client.invoke(address, command, timeout).pipe(
      Effect.flatMap(checked(address, command, accept)),
      span(command, address)
    )

  /** A request to the name servers (the one in use, failing over), its answer SUCCESS. */
  const callNameServer = (command: RemotingCommand) =>
    client.invokeNameServer(command, timeout).pipe(
      Effect.flatMap(checked(NAME_SERVER, command, [ResponseCode.SUCCESS])),
      span(command, NAME_SERVER)
    )

  /** A request's header fields (a header that cannot encode is a bug here, not input: checked before). */
  const header = <A>(schema: CommandHeader<A>, value: A) => Effect.orDie(encodeHeader(schema, value))

  const body = <A, I>(schema: Schema.Schema<A, I>, answer: RemotingCommand) => decodeBody(schema, answer.body)

  /** Every broker of every cluster (GET_BROKER_CLUSTER_INFO), ordered by cluster, name and id. */
  const clusterBrokers = Effect.gen(function*() {
    const answer = yield* callNameServer(request(RequestCode.GET_BROKER_CLUSTER_INFO))
    const info = yield* body(ClusterInfo, answer)
    const clusterOf = new Map<string, string>()
    for (const [cluster, names] of Object.entries(info.clusterAddrTable)) {
      for (const name of names) clusterOf.set(name, cluster)
    }
    const brokers: Array<ClusterBroker> = []
    for (const [brokerName, data] of Object.entries(info.brokerAddrTable)) {
      for (const [id, address] of Object.entries(data.brokerAddrs)) {
        brokers.push({ cluster: clusterOf.get(brokerName) ?? data.cluster, brokerName, brokerId: Number(id), address })
      }
    }
    return brokers.sort((a, b) =>
      a.cluster.localeCompare(b.cluster) || a.brokerName.localeCompare(b.brokerName) || a.brokerId - b.brokerId
    )
  })

  /**
   * The master brokers a target names (Java: `CommandUtil.fetchMasterAddrByClusterName`, or `-b`): a cluster's, one
   * broker's address, or every master.
   */
  const masters = (target: AdminTarget | undefined) =>
    Effect.gen(function*() {
      if (target?.cluster !== undefined && target.brokerAddress !== undefined) {
        return yield* new AdminValidationError({
          field: "target",
          value: target,
          reason: "give a cluster or a broker address, not both"
        })
      }
      const all = (yield* clusterBrokers).filter((b) => b.brokerId === 0)
      if (target?.brokerAddress !== undefined) {
        const address = target.brokerAddress
        const known = all.find((b) => b.address === address)
        return [known ?? { cluster: "", brokerName: "", address }] as ReadonlyArray<BrokerAddress>
      }
      const chosen = target?.cluster === undefined ? all : all.filter((b) => b.cluster === target.cluster)
      if (chosen.length === 0) {
        return yield* new AdminNotFoundError({
          what: "cluster",
          name: target?.cluster ?? "(any)",
          reason: "no master broker in it"
        })
      }
      return chosen.map(({ address, brokerName, cluster }): BrokerAddress => ({ cluster, brokerName, address }))
    })

  /** A topic's route from the name servers (GET_ROUTEINFO_BY_TOPIC). */
  const route = (topic: string) =>
    Effect.flatMap(
      callNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, acceptStandardJsonOnly: "true" })),
      (answer) => body(TopicRouteData, answer)
    )

  /** The master of each broker of a topic's route (Java: `BrokerData.selectBrokerAddr`, the master when there is one). */
  const routeMasters = (topic: string) =>
    Effect.map(route(topic), (r) =>
      r.brokerDatas.flatMap((b): ReadonlyArray<BrokerAddress> => {
        const address = b.brokerAddrs["0"] ?? Object.values(b.brokerAddrs)[0]
        return address === undefined ? [] : [{ cluster: b.cluster, brokerName: b.brokerName, address }]
      }))

  /** Every name server's address (for the requests Java sends to each, such as DELETE_TOPIC_IN_NAMESRV). */
  const nameServerAddresses = nameServers.get

  return { call, callNameServer, header, body, clusterBrokers, masters, route, routeMasters, nameServerAddresses }
}

/**
 * The admin API's request plumbing.
 *
 * @since 0.1.0
 * @category admin
 */
export type AdminCalls = ReturnType<typeof makeAdminCalls>
