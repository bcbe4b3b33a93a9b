import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  CLIENT_INNER_PRODUCER_GROUP,
  type ConsumerRegistration,
  DuplicateGroupError,
  GroupTable,
  type ProducerRegistration
} from "../services/GroupTable.js"

/**
 * The group table in memory: two maps by group name, changed only by `add*` and `remove*`; readers get a copy of the
 * groups at the time they ask (groups come and go while a task runs over them).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<GroupTable> = Layer.sync(GroupTable, () => {
  const producers = new Map<string, ProducerRegistration>()
  const consumers = new Map<string, ConsumerRegistration>()
  return {
    producers: Effect.sync(() => [...producers.values()]),
    consumers: Effect.sync(() => [...consumers.values()]),
    consumer: (group) => Effect.sync(() => consumers.get(group)),
    addProducer: (registration) =>
      Effect.suspend(() => {
        const group = registration.groupName
        if (producers.has(group) || group === CLIENT_INNER_PRODUCER_GROUP) {
          return Effect.fail(new DuplicateGroupError({ kind: "producer", group }))
        }
        producers.set(group, registration)
        return Effect.void
      }),
    addConsumer: (registration) =>
      Effect.suspend(() => {
        const group = registration.groupName
        if (consumers.has(group)) return Effect.fail(new DuplicateGroupError({ kind: "consumer", group }))
        consumers.set(group, registration)
        return Effect.void
      }),
    removeProducer: (group) => Effect.sync(() => void producers.delete(group)),
    removeConsumer: (group) => Effect.sync(() => void consumers.delete(group))
  }
})
