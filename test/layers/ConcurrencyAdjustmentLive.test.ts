import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Ref, TestClock } from "effect"
import * as ConcurrencyAdjustmentLive from "../../src/layers/ConcurrencyAdjustmentLive.js"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import { ConcurrencyAdjustment } from "../../src/services/ConcurrencyAdjustment.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { consumerData } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const stack = ConcurrencyAdjustmentLive.layer.pipe(Layer.provideMerge(GroupTableLive.layer))

const consumer = (groupName: string, adjustConcurrency?: Effect.Effect<void, unknown>) => ({
  groupName,
  data: Effect.succeed(consumerData(groupName)),
  persistOffsets: Effect.void,
  adjustConcurrency
})

describe("consume-concurrency adjustment", () => {
  it.scoped("applies every consumer's concurrency each minute, first after a minute", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const applied = yield* Ref.make(0)
      yield* groups.addConsumer(consumer("a", Ref.update(applied, (n) => n + 1)))
      yield* groups.addConsumer(consumer("no-executor")) // a consumer without one is passed over
      yield* TestClock.adjust("59 seconds")
      yield* fibersSettle()
      expect(yield* Ref.get(applied)).toBe(0)
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(Ref.get(applied), (n) => n === 1), { what: "applied once" })
      yield* TestClock.adjust("1 minute")
      yield* eventually(Effect.map(Ref.get(applied), (n) => n === 2), { what: "applied twice" })
    }).pipe(Effect.provide(stack)))

  it.scoped("one consumer failing does not keep the others from theirs", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const adjustment = yield* ConcurrencyAdjustment
      const applied = yield* Ref.make(0)
      yield* groups.addConsumer(consumer("broken", Effect.fail("no")))
      yield* groups.addConsumer(consumer("a", Ref.update(applied, (n) => n + 1)))
      expect(yield* Effect.flip(adjustment.adjustAll)).toBe("no")
      expect(yield* Ref.get(applied)).toBe(1)
    }).pipe(Effect.provide(stack)))
})
