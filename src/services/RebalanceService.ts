import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * Rebalances every push consumer of the client instance (Java: `RebalanceService`): every 20 s, and at once when
 * woken (a consumer started, or a broker said its group changed); wake-ups while a round runs fold into one.
 *
 * @since 0.1.0
 * @category services
 */
export interface RebalanceServiceService {
  /** Wakes the service for a round now (Java: `rebalanceImmediately`). */
  readonly wakeup: Effect.Effect<void>
  /** One round over every registered consumer, run by the caller (Java: `MQClientInstance.doRebalance`). */
  readonly doRebalance: Effect.Effect<void>
}

/**
 * The rebalance service.
 *
 * @since 0.1.0
 * @category services
 */
export class RebalanceService extends Context.Tag("effect-rocketmq/RebalanceService")<
  RebalanceService,
  RebalanceServiceService
>() {}
