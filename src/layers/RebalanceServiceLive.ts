import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { GroupTable } from "../services/GroupTable.js"
import { RebalanceService } from "../services/RebalanceService.js"
import { guarded } from "./ScheduledTask.js"

/**
 * How long the service waits between rounds when nothing wakes it (Java: `rocketmq.client.rebalance.waitInterval`,
 * 20 s).
 *
 * @since 0.1.0
 * @category constants
 */
export const WAIT_INTERVAL = Duration.seconds(20)

/**
 * The rebalance service: its fiber, in the layer's scope, waits for `WAIT_INTERVAL` or a wake-up, then rebalances
 * every registered consumer (task `rebalance`: a failing round is logged and counted).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RebalanceService, never, GroupTable> = Layer.scoped(
  RebalanceService,
  Effect.gen(function*() {
    const groups = yield* GroupTable
    const wake = yield* Queue.sliding<void>(1)
    const doRebalance = Effect.flatMap(
      groups.consumers,
      (consumers) => Effect.forEach(consumers, (c) => c.rebalance ?? Effect.void, { discard: true })
    )
    yield* Effect.raceFirst(Effect.sleep(WAIT_INTERVAL), Queue.take(wake)).pipe(
      Effect.zipRight(guarded("rebalance", doRebalance)),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )
    return { wakeup: Effect.asVoid(Queue.offer(wake, undefined)), doRebalance }
  })
)
