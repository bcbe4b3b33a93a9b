import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * Applies each push consumer's asked-for consume concurrency (Java: `MQClientInstance.adjustThreadPool`, every
 * minute): `setConcurrency` records the number, this applies it to the consumer's workers.
 *
 * @since 0.1.0
 * @category services
 */
export interface ConcurrencyAdjustmentService {
  /** Applies every registered consumer's concurrency now; each consumer is tried, the first failure is the result. */
  readonly adjustAll: Effect.Effect<void, unknown>
}

/**
 * The consume-concurrency adjustment service.
 *
 * @since 0.1.0
 * @category services
 */
export class ConcurrencyAdjustment extends Context.Tag("effect-rocketmq/ConcurrencyAdjustment")<
  ConcurrencyAdjustment,
  ConcurrencyAdjustmentService
>() {}
