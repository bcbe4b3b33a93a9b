import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * Tells every broker which groups this client instance has (Java: `MQClientInstance.sendHeartbeatToAllBrokerWithLock`
 * with `cleanOfflineBroker` before each scheduled round, and `unregisterClient`).
 *
 * @since 0.1.0
 * @category services
 */
export interface HeartbeatService {
  /**
   * Sends HEART_BEAT with every group to every broker master (slaves too when there are consumers), one round at a
   * time; a broker that fails or refuses is logged, the others still get theirs.
   */
  readonly sendToAllBrokers: Effect.Effect<void>
  /**
   * The version (Java's `MQVersion.Version` ordinal) the broker at `address` answered its last heartbeat with (Java:
   * `MQClientInstance.brokerVersionTable`, `findBrokerVersion`). A broker not heartbeated yet is sent a heartbeat
   * first; `undefined` when it did not answer one.
   */
  readonly brokerVersion: (address: string) => Effect.Effect<number | undefined>
  /** UNREGISTER_CLIENT of one group to every broker; a broker that fails is logged. */
  readonly unregister: (
    group: { readonly producerGroup: string } | { readonly consumerGroup: string }
  ) => Effect.Effect<void>
}

/**
 * The heartbeat service.
 *
 * @since 0.1.0
 * @category services
 */
export class Heartbeat extends Context.Tag("effect-rocketmq/Heartbeat")<Heartbeat, HeartbeatService>() {}
