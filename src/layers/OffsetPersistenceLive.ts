import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ClientConfig } from "../services/ClientConfig.js"
import { GroupTable } from "../services/GroupTable.js"
import { OffsetPersistence } from "../services/OffsetPersistence.js"
import { forEachTried, scheduled } from "./ScheduledTask.js"

/**
 * The first scheduled persistence after the instance starts (Java: `startScheduledTask`, 10 s).
 *
 * @since 0.1.0
 * @category constants
 */
export const FIRST_DELAY = Duration.seconds(10)

/**
 * Offset persistence with its scheduled task: first after 10 s, then every `persistConsumerOffsetInterval` (5 s), a
 * failing round logged and counted (task `persistOffsets`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Pick<ClientConfig, "persistConsumerOffsetInterval">
): Layer.Layer<OffsetPersistence, never, GroupTable> =>
  Layer.scoped(
    OffsetPersistence,
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const persistAll = Effect.flatMap(
        groups.consumers,
        (consumers) =>
          forEachTried(consumers, (c) => c.persistOffsets.pipe(Effect.annotateLogs({ group: c.groupName })))
      )
      yield* scheduled("persistOffsets", FIRST_DELAY, config.persistConsumerOffsetInterval, persistAll)
      return { persistAll }
    })
  )
