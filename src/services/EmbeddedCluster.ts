import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * A broker of the embedded cluster, as clients see it.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface EmbeddedBrokerInfo {
  readonly name: string
  readonly address: string
}

/**
 * Options of a topic created on the embedded cluster (Java: `TopicConfig`, as `mqadmin updateTopic` sets it).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface TopicOptions {
  readonly readQueueNums?: number | undefined
  readonly writeQueueNums?: number | undefined
  /** `PermName` bits; read and write (6) by default. */
  readonly perm?: number | undefined
  /** The brokers to create it on; all by default. */
  readonly brokers?: ReadonlyArray<string> | undefined
}

/**
 * An in-process RocketMQ cluster speaking the real remoting protocol on loopback: one name server and one or more
 * brokers. Any RocketMQ client can use it through `nameServerAddress`.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface EmbeddedClusterService {
  readonly nameServerAddress: string
  readonly brokers: ReadonlyArray<EmbeddedBrokerInfo>
  /** Creates or updates a topic (Java: UPDATE_AND_CREATE_TOPIC). */
  readonly createTopic: (topic: string, options?: TopicOptions) => Effect.Effect<void>
  /** Stops a broker: its connections drop and it leaves routes; its port stays reserved and its data kept. */
  readonly stopBroker: (name: string) => Effect.Effect<void>
  /** Starts a stopped broker again on the same port, with its data. */
  readonly startBroker: (name: string) => Effect.Effect<void>
  /**
   * Stops the name server: its connections drop and it accepts none (its port stays reserved) until
   * `startNameServer`. Brokers go on serving; clients go on with the routes they have.
   */
  readonly stopNameServer: Effect.Effect<void>
  /** Starts the stopped name server again on the same port. */
  readonly startNameServer: Effect.Effect<void>
  /**
   * Delays every answer of a broker by `latency` (zero removes the delay): requests are worked on when they arrive,
   * their answers held back that long (Clock time), as a network round trip away would.
   */
  readonly setLatency: (name: string, latency: Duration.DurationInput) => Effect.Effect<void>
  /** Answers the next `count` requests of `requestCode` to a broker with `responseCode` (and `remark`). */
  readonly failNext: (
    name: string,
    requestCode: number,
    count: number,
    responseCode: number,
    remark?: string
  ) => Effect.Effect<void>
  /**
   * The requests a broker has received, in order: code, header fields and Clock time; the latest 10,000 at least, as
   * older ones are let go.
   */
  readonly receivedRequests: (
    name: string
  ) => Effect.Effect<
    ReadonlyArray<{ readonly code: number; readonly extFields: Readonly<Record<string, string>>; readonly at: number }>
  >
  /** Cuts every connection of a client (by the client id of its heartbeats) to every broker. */
  readonly cutClient: (clientId: string) => Effect.Effect<void>
}

/**
 * The embedded cluster service.
 *
 * @since 0.1.0
 * @category embedded
 */
export class EmbeddedCluster extends Context.Tag("effect-rocketmq/EmbeddedCluster")<
  EmbeddedCluster,
  EmbeddedClusterService
>() {}
