import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * The name servers the client talks to, as `host:port` (Java: `namesrvAddrList` of `NettyRemotingClient`, kept
 * current by `MQClientInstance`'s address-server task).
 *
 * @since 0.1.0
 * @category services
 */
export interface NameServerAddressesService {
  readonly get: Effect.Effect<ReadonlyArray<string>>
}

/**
 * The name-server address service.
 *
 * @since 0.1.0
 * @category services
 */
export class NameServerAddresses extends Context.Tag("effect-rocketmq/NameServerAddresses")<
  NameServerAddresses,
  NameServerAddressesService
>() {
  /** A fixed list, e.g. from `ROCKETMQ_NAMESRV_ADDR` (`host:port;host:port`). */
  static readonly fixed = (addresses: ReadonlyArray<string>): Layer.Layer<NameServerAddresses> =>
    Layer.succeed(NameServerAddresses, { get: Effect.succeed(addresses) })
}

/**
 * Splits a name-server list: addresses separated by `;` as Java accepts them, or by `,` (no `host:port` contains one),
 * white space trimmed, empty parts left out.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseNameServerList = (text: string): ReadonlyArray<string> =>
  text.split(/[;,]/).map((s) => s.trim()).filter((s) => s.length > 0)

/**
 * The address server's URL (Java: `MixAll.getWSAddr` and `TopAddressing`):
 * `http://{domain}:8080/rocketmq/{subgroup}`, without `:8080` when the domain has a port, and with
 * `-{unitName}?nofix=1` for a unit.
 *
 * @since 0.1.0
 * @category address server
 */
export const addressServerUrl = (domain: string, subgroup: string, unitName?: string | undefined): string => {
  const base = `http://${domain}${domain.includes(":") ? "" : ":8080"}/rocketmq/${subgroup}`
  return unitName ? `${base}-${unitName}?nofix=1` : base
}

/**
 * The list in an address server's answer (Java: `TopAddressing.fetchNSAddr`): trimmed, cut at the first line break,
 * `;`-separated.
 *
 * @since 0.1.0
 * @category address server
 */
export const parseAddressServerAnswer = (body: string): ReadonlyArray<string> =>
  parseNameServerList(body.trim().split(/[\r\n]/)[0] ?? "")
