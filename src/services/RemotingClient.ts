import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { LanguageName } from "../protocol/LanguageCode.js"
import type { ProtocolError } from "../protocol/ProtocolError.js"
import type { RemotingCommand, SerializeType } from "../protocol/RemotingCommand.js"
import { DEFAULT_MAX_FRAME_LENGTH } from "../protocol/RemotingCommand.js"
import { CURRENT_VERSION } from "../protocol/Version.js"

/**
 * A connection to `address` could not be opened: refused, unreachable, TLS handshake failed, the connect timeout
 * (Java: 3 s) passed, or the call's own time for it passed (Java: `RemotingConnectException`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RemotingConnectError extends Data.TaggedError("RemotingConnectError")<{
  readonly address: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot connect to ${this.address}: ${this.reason}`
  }
}

/**
 * The connection to `address` was lost, or closed because the peer sent bytes that are not the protocol, while a
 * call was in flight on it (Java: `RemotingSendRequestException`, a closed channel).
 *
 * @since 0.1.0
 * @category errors
 */
export class RemotingConnectionError extends Data.TaggedError("RemotingConnectionError")<{
  readonly address: string
  readonly reason: string
}> {
  override get message(): string {
    return `connection to ${this.address} lost: ${this.reason}`
  }
}

/**
 * No response came within the call's timeout (Java: `RemotingTimeoutException`). Only this call fails; its slot is
 * freed, and a response that arrives later is dropped and counted.
 *
 * @since 0.1.0
 * @category errors
 */
export class RemotingTimeoutError extends Data.TaggedError("RemotingTimeoutError")<{
  readonly address: string
  readonly code: number
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `request ${this.code} to ${this.address} timed out after ${this.timeoutMillis} ms`
  }
}

/**
 * No name server is known: none configured and none fetched yet (Java: "No name server address").
 *
 * @since 0.1.0
 * @category errors
 */
export class NoNameServerError extends Data.TaggedError("NoNameServerError")<Record<never, never>> {
  override get message(): string {
    return "no name server address is known"
  }
}

/**
 * Everything a remoting call can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type RemotingError = RemotingConnectError | RemotingConnectionError | RemotingTimeoutError | ProtocolError

/**
 * TLS for connections (Java: `TlsSystemConfig`, `tls.client.*`). Keys and passphrases are `Redacted`.
 * `rejectUnauthorized` defaults to false, as Java's `tls.client.authServer`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TlsOptions {
  readonly ca?: string | Buffer | undefined
  readonly cert?: string | Buffer | undefined
  readonly key?: Redacted.Redacted<string | Buffer> | undefined
  readonly passphrase?: Redacted.Redacted<string> | undefined
  readonly rejectUnauthorized?: boolean | undefined
  readonly servername?: string | undefined
}

/**
 * Settings of the transport, with Java's defaults (Java: `NettyClientConfig`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RemotingClientConfig {
  /**
   * Java: `connectTimeoutMillis`, 3 s: a connection attempt not done by then is given up (its socket closed) and fails
   * every caller still waiting for it.
   */
  readonly connectTimeout: Duration.Duration
  /** A call's timeout when none is given; Java's client API timeout is 3 s. */
  readonly defaultTimeout: Duration.Duration
  /** Java: `com.rocketmq.remoting.frameMaxLength`, 16 MiB. */
  readonly maxFrameLength: number
  /** Java: `clientAsyncSemaphoreValue`, 65535 requests in flight; more wait. */
  readonly permitsAsync: number
  /** Java: `clientOnewaySemaphoreValue`, 65535 oneway requests in flight; more wait. */
  readonly permitsOneway: number
  /** Header serialization of requests (Java: `rocketmq.serialize.type`, JSON). */
  readonly serializeType: SerializeType
  /** The version announced (Java: `MQVersion.CURRENT_VERSION`, 409 for 4.9.8). */
  readonly version: number
  readonly language: LanguageName
  readonly tls?: TlsOptions | undefined
}

/**
 * The transport's defaults, mirroring Java's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultRemotingClientConfig: RemotingClientConfig = {
  connectTimeout: Duration.seconds(3),
  defaultTimeout: Duration.seconds(3),
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  permitsAsync: 65535,
  permitsOneway: 65535,
  serializeType: "JSON",
  version: CURRENT_VERSION,
  language: "JAVA"
}

/**
 * How one call goes, besides its timeout.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions {
  /**
   * The longest the call waits for a connection to be opened when there is none yet (at most its timeout; by default
   * its timeout). Past it the call fails with `RemotingConnectError`, while the attempt goes on, for other callers, up
   * to the transport's `connectTimeout`. A caller with somewhere else to go (the producer's next broker, the next
   * name server) gives the connection only a part of its time.
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * The client's only way to the network (Java: `NettyRemotingClient`): one connection per address, opened on first
 * use and shared, many calls in flight on each, matched by `opaque`.
 *
 * @since 0.1.0
 * @category services
 */
export interface RemotingClientService {
  /**
   * Sends a request and waits for its response (Java: `invokeSync`). `opaque`, version and language are set here.
   * The timeout covers the whole call: the wait for a permit and for a connection, then the response. It holds
   * whatever the caller's interruptibility (no interruption is needed to end the call): a permit not had in time is a
   * `RemotingTimeoutError`, a connection not had in time a `RemotingConnectError`, a response not had in time a
   * `RemotingTimeoutError`. Interrupting the caller stops it at once; the request, already on the wire, keeps its
   * place among the calls in flight (and its permit) until its response comes, its timeout passes or the connection
   * closes, as Java's response table keeps a call's future.
   */
  readonly invoke: (
    address: string,
    request: RemotingCommand,
    timeout?: Duration.DurationInput,
    options?: InvokeOptions
  ) => Effect.Effect<RemotingCommand, RemotingError>
  /**
   * Sends a request with the oneway flag and no response (Java: `invokeOneway`); the timeout covers the wait for a
   * permit, a connection and the write.
   */
  readonly invokeOneway: (
    address: string,
    request: RemotingCommand,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<void, RemotingError>
  /**
   * Sends a request to a name server: the one last used while it answers, else the next of the list on a connection
   * failure (Java: `getAndCreateNameserverChannel`). The timeout covers every name server tried; each gets a part of
   * what is left to connect in.
   */
  readonly invokeNameServer: (
    request: RemotingCommand,
    timeout?: Duration.DurationInput
  ) => Effect.Effect<RemotingCommand, RemotingError | NoNameServerError>
  /** Closes the connection to an address, if any (Java: `closeChannel`); the next call reconnects. */
  readonly closeConnection: (address: string) => Effect.Effect<void>
  /** The addresses with an open connection. */
  readonly connectedAddresses: Effect.Effect<ReadonlyArray<string>>
}

/**
 * The remoting transport service.
 *
 * @since 0.1.0
 * @category services
 */
export class RemotingClient extends Context.Tag("effect-rocketmq/RemotingClient")<
  RemotingClient,
  RemotingClientService
>() {}
