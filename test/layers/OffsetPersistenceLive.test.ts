import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Metric, Ref, TestClock } from "effect"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import * as OffsetPersistenceLive from "../../src/layers/OffsetPersistenceLive.js"
import { taskFailures } from "../../src/layers/ScheduledTask.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { OffsetPersistence } from "../../src/services/OffsetPersistence.js"
import { consumerData } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const stack = OffsetPersistenceLive.layer({
  persistConsumerOffsetInterval: Duration.seconds(5)
}).pipe(Layer.provideMerge(GroupTableLive.layer))

const consumer = (groupName: string, persistOffsets: Effect.Effect<void, unknown>) => ({
  groupName,
  data: Effect.succeed(consumerData(groupName)),
  persistOffsets
})

const persistFailures = taskFailures.pipe(Metric.tagged("task", "persistOffsets"))

describe("offset persistence", () => {
  it.scoped("persists every consumer after 10 s, then every 5 s; a failing consumer is counted, the others persisted", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const good = yield* Ref.make(0)
      const bad = yield* Ref.make(0)
      const before = (yield* Metric.value(persistFailures)).count
      yield* groups.addConsumer(
        consumer("bad", Effect.zipRight(Ref.update(bad, (n) => n + 1), Effect.fail("disk full")))
      )
      yield* groups.addConsumer(consumer("good", Ref.update(good, (n) => n + 1)))
      yield* TestClock.adjust("9 seconds")
      yield* fibersSettle()
      expect(yield* Ref.get(good)).toBe(0)
      for (const [step, n] of [["1 second", 1], ["5 seconds", 2], ["5 seconds", 3]] as const) {
        yield* TestClock.adjust(step)
        yield* eventually(Effect.map(Ref.get(good), (g) => g === n), { what: `${n} rounds` })
      }
      expect(yield* Ref.get(bad)).toBe(3)
      expect((yield* Metric.value(persistFailures)).count).toBe(before + 3)
    }).pipe(Effect.provide(stack)))

  it.scoped("persistAll tries every consumer and fails with the first failure", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const persistence = yield* OffsetPersistence
      const persisted = yield* Ref.make<Array<string>>([])
      const record = (group: string) => Ref.update(persisted, (p) => [...p, group])
      yield* groups.addConsumer(consumer("a", Effect.zipRight(record("a"), Effect.fail("first"))))
      yield* groups.addConsumer(consumer("b", Effect.zipRight(record("b"), Effect.fail("second"))))
      yield* groups.addConsumer(consumer("c", record("c")))
      expect(yield* Effect.flip(persistence.persistAll)).toBe("first")
      expect(yield* Ref.get(persisted)).toEqual(["a", "b", "c"])
    }).pipe(Effect.provide(stack)))
})
