import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { MessageQueue } from "../protocol/MessageQueue.js"

/**
 * Runs the pull loops of every push consumer of the client instance (Java: `PullMessageService`), one per consumer
 * group and message queue held: a rebalance starts a queue's loop when it takes the queue and stops it when it lets
 * the queue go; closing the instance stops them all.
 *
 * @since 0.1.0
 * @category services
 */
export interface PullMessageServiceService {
  /**
   * Runs `loop` as the pull loop of `queue` for `group` (Java: `executePullRequestImmediately`), in place of one
   * already running for them (stopped, and waited for, first). The loop ends by itself when its queue is dropped.
   */
  readonly start: (group: string, queue: MessageQueue, loop: Effect.Effect<void>) => Effect.Effect<void>
  /** Stops the pull loop of `queue` for `group` and waits for it to end. */
  readonly stop: (group: string, queue: MessageQueue) => Effect.Effect<void>
  /** Stops every pull loop of `group` and waits for them to end (a consumer shutting down). */
  readonly stopGroup: (group: string) => Effect.Effect<void>
  /** How many pull loops run now, over every group. */
  readonly size: Effect.Effect<number>
}

/**
 * The pull message service.
 *
 * @since 0.1.0
 * @category services
 */
export class PullMessageService extends Context.Tag("effect-rocketmq/PullMessageService")<
  PullMessageService,
  PullMessageServiceService
>() {}
