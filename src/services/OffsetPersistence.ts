import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * Persists the consume offsets of every consumer of the instance (Java: `MQClientInstance.persistAllConsumerOffset`):
 * to the broker for clustering consumers, to the local offsets file for broadcasting ones.
 *
 * @since 0.1.0
 * @category services
 */
export interface OffsetPersistenceService {
  /** Persists every registered consumer's offsets now; each consumer is tried, the first failure is the result. */
  readonly persistAll: Effect.Effect<void, unknown>
}

/**
 * The offset persistence service.
 *
 * @since 0.1.0
 * @category services
 */
export class OffsetPersistence extends Context.Tag("effect-rocketmq/OffsetPersistence")<
  OffsetPersistence,
  OffsetPersistenceService
>() {}
