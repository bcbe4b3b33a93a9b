import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Metric, Ref, TestClock } from "effect"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import * as RebalanceServiceLive from "../../src/layers/RebalanceServiceLive.js"
import { taskFailures } from "../../src/layers/ScheduledTask.js"
import { GroupTable } from "../../src/services/GroupTable.js"
import { RebalanceService } from "../../src/services/RebalanceService.js"
import { consumerData } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

const stack = RebalanceServiceLive.layer.pipe(Layer.provideMerge(GroupTableLive.layer))

/** A consumer whose rebalances are counted (and which may be held inside one). */
const counted = (groupName: string, rounds: Ref.Ref<number>, inside: Effect.Effect<void> = Effect.void) => ({
  groupName,
  data: Effect.succeed(consumerData(groupName)),
  persistOffsets: Effect.void,
  rebalance: Effect.zipRight(Ref.update(rounds, (n) => n + 1), inside)
})

const reaches = (rounds: Ref.Ref<number>, n: number) =>
  eventually(Effect.map(Ref.get(rounds), (r) => r === n), { what: `${n} rebalance rounds` })

describe("the rebalance service", () => {
  it.scoped("rebalances every consumer every 20 s", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const a = yield* Ref.make(0)
      const b = yield* Ref.make(0)
      yield* groups.addConsumer(counted("a", a))
      yield* groups.addConsumer(counted("b", b))
      yield* TestClock.adjust("19 seconds")
      yield* fibersSettle()
      expect(yield* Ref.get(a)).toBe(0)
      yield* TestClock.adjust("1 second")
      yield* reaches(a, 1)
      yield* reaches(b, 1)
      yield* TestClock.adjust("20 seconds")
      yield* reaches(a, 2)
      yield* reaches(b, 2)
    }).pipe(Effect.provide(stack)))

  it.scoped("a wake-up rebalances at once; wake-ups during a round fold into one more round", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const service = yield* RebalanceService
      const rounds = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const held = yield* Ref.make(true)
      // The first round waits at the gate; the rounds after it pass.
      yield* groups.addConsumer(
        counted(
          "a",
          rounds,
          Effect.flatMap(Ref.getAndSet(held, false), (h) => (h ? Deferred.await(gate) : Effect.void))
        )
      )
      yield* service.wakeup
      yield* reaches(rounds, 1)
      yield* service.wakeup
      yield* service.wakeup
      yield* service.wakeup
      yield* Deferred.succeed(gate, undefined)
      yield* reaches(rounds, 2)
      yield* fibersSettle()
      expect(yield* Ref.get(rounds)).toBe(2)
    }).pipe(Effect.provide(stack)))

  it.scoped("a consumer whose rebalance fails is counted and logged; the service goes on", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      const service = yield* RebalanceService
      const failures = taskFailures.pipe(Metric.tagged("task", "rebalance"))
      const before = (yield* Metric.value(failures)).count
      yield* groups.addConsumer({
        groupName: "broken",
        data: Effect.succeed(consumerData("broken")),
        persistOffsets: Effect.void,
        rebalance: Effect.die("rebalance bug")
      })
      yield* service.wakeup
      yield* eventually(Effect.map(Metric.value(failures), (m) => m.count === before + 1), { what: "one failure" })
      yield* groups.removeConsumer("broken")
      const rounds = yield* Ref.make(0)
      yield* groups.addConsumer(counted("a", rounds))
      yield* service.doRebalance
      expect(yield* Ref.get(rounds)).toBe(1)
      yield* TestClock.adjust("20 seconds")
      yield* reaches(rounds, 2)
    }).pipe(Effect.provide(stack)))
})
