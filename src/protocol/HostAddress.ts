import { isIPv4, isIPv6 } from "node:net"

/**
 * A host and port as it travels in message records and ids (Java: `InetSocketAddress`): IPv4 is written in 4
 * bytes, IPv6 in 16.
 *
 * @since 0.1.0
 * @category models
 */
export interface HostAddress {
  readonly host: string
  readonly port: number
}

/**
 * The text of a 4- or 16-byte IP address: dotted IPv4, or IPv6 in RFC 5952 form (lower case, the longest run of
 * zero groups folded to `::`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const ipToString = (bytes: Uint8Array): string => {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  const groups: Array<number> = []
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!)
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(":")
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`
}

/**
 * The bytes of an IP address in text form: 4 for IPv4, 16 for IPv6; `undefined` when the text is neither.
 *
 * @since 0.1.0
 * @category decoding
 */
export const ipToBytes = (host: string): Uint8Array | undefined => {
  if (isIPv4(host)) return Uint8Array.from(host.split(".").map(Number))
  if (!isIPv6(host)) return undefined
  let text = host
  const zone = text.indexOf("%")
  if (zone >= 0) text = text.slice(0, zone)
  // An embedded IPv4 tail, as in ::ffff:1.2.3.4, becomes two hex groups.
  const lastColon = text.lastIndexOf(":")
  const last = text.slice(lastColon + 1)
  if (isIPv4(last)) {
    const [a, b, c, d] = last.split(".").map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const parse = (part: string) => (part.length === 0 ? [] : part.split(":").map((g) => parseInt(g, 16)))
  const split = text.indexOf("::")
  const groups = split < 0
    ? parse(text)
    : (() => {
      const front = parse(text.slice(0, split))
      const back = parse(text.slice(split + 2))
      return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
    })()
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8
    out[i * 2 + 1] = g & 0xff
  })
  return out
}

/**
 * Parses `host:port` (IPv6 as `[::1]:port` or with the port after the last colon), as addresses appear in route
 * data and in Java's `RemotingHelper.string2SocketAddress`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseHostAddress = (text: string): HostAddress | undefined => {
  const colon = text.lastIndexOf(":")
  if (colon <= 0) return undefined
  let host = text.slice(0, colon)
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  const port = Number(text.slice(colon + 1))
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined
  return { host, port }
}

/**
 * `host:port`, with IPv6 hosts bracketed.
 *
 * @since 0.1.0
 * @category encoding
 */
export const formatHostAddress = (address: HostAddress): string =>
  address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`

const ipBytesCache = new Map<string, Uint8Array | undefined>()

/**
 * {@link ipToBytes} remembered for the few hosts a process sees (its own, its brokers'), for the encoders that run
 * once per message. The bytes are shared: callers read them and never change them.
 *
 * @internal
 */
export const ipToBytesShared = (host: string): Uint8Array | undefined => {
  let bytes = ipBytesCache.get(host)
  if (bytes === undefined && !ipBytesCache.has(host)) {
    bytes = ipToBytes(host)
    if (ipBytesCache.size >= 256) ipBytesCache.clear()
    ipBytesCache.set(host, bytes)
  }
  return bytes
}
