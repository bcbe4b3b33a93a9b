import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ConcurrencyAdjustment } from "../services/ConcurrencyAdjustment.js"
import { GroupTable } from "../services/GroupTable.js"
import { forEachTried, scheduled } from "./ScheduledTask.js"

/**
 * When the adjustment runs (Java: `startScheduledTask`, first after a minute, then every minute).
 *
 * @since 0.1.0
 * @category constants
 */
export const INTERVAL = Duration.minutes(1)

/**
 * The consume-concurrency adjustment with its scheduled task (task `adjustConcurrency`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ConcurrencyAdjustment, never, GroupTable> = Layer.scoped(
  ConcurrencyAdjustment,
  Effect.gen(function*() {
    const groups = yield* GroupTable
    const adjustAll = Effect.flatMap(
      groups.consumers,
      (consumers) => forEachTried(consumers, (c) => c.adjustConcurrency ?? Effect.void)
    )
    yield* scheduled("adjustConcurrency", INTERVAL, INTERVAL, adjustAll)
    return { adjustAll }
  })
)
