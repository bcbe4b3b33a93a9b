import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Ref, Scope } from "effect"
import * as PullMessageServiceLive from "../../src/layers/PullMessageServiceLive.js"
import { PullMessageService } from "../../src/services/PullMessageService.js"
import { eventually } from "../support/Eventually.js"

const queue = (queueId: number) => ({ topic: "Orders", brokerName: "broker-a", queueId })

/** A pull loop that runs until interrupted, saying when it started and when it was stopped. */
const loop = (log: Ref.Ref<Array<string>>, name: string) =>
  Effect.zipRight(
    Ref.update(log, (l) => [...l, `start ${name}`]),
    Effect.never.pipe(Effect.onInterrupt(() => Ref.update(log, (l) => [...l, `stop ${name}`])))
  )

describe("the pull message service", () => {
  it.scoped("runs one loop per consumer group and queue; stopping one waits for it and leaves the others", () =>
    Effect.gen(function*() {
      const pulls = yield* PullMessageService
      const log = yield* Ref.make<Array<string>>([])
      yield* pulls.start("g1", queue(0), loop(log, "g1 q0"))
      yield* pulls.start("g1", queue(1), loop(log, "g1 q1"))
      yield* pulls.start("g2", queue(0), loop(log, "g2 q0")) // another group may hold the same queue
      yield* eventually(Effect.map(Ref.get(log), (l) => l.length === 3), { what: "three loops started" })
      expect(yield* pulls.size).toBe(3)
      yield* pulls.stop("g1", queue(0))
      expect(yield* Ref.get(log)).toContain("stop g1 q0")
      expect(yield* pulls.size).toBe(2)
      yield* pulls.stop("g1", queue(0)) // not running: nothing happens
      yield* pulls.stopGroup("g1")
      expect((yield* Ref.get(log)).filter((l) => l.startsWith("stop")).sort()).toEqual(["stop g1 q0", "stop g1 q1"])
      expect(yield* pulls.size).toBe(1)
    }).pipe(Effect.provide(PullMessageServiceLive.layer)))

  it.scoped("a queue started again replaces its loop; a loop that ends leaves the service by itself", () =>
    Effect.gen(function*() {
      const pulls = yield* PullMessageService
      const log = yield* Ref.make<Array<string>>([])
      yield* pulls.start("g1", queue(0), loop(log, "first"))
      yield* eventually(Effect.map(Ref.get(log), (l) => l.includes("start first")), { what: "first loop started" })
      yield* pulls.start("g1", queue(0), loop(log, "second"))
      yield* eventually(Effect.map(Ref.get(log), (l) => l.includes("start second")), { what: "second loop started" })
      expect(yield* Ref.get(log)).toEqual(["start first", "stop first", "start second"])
      expect(yield* pulls.size).toBe(1)
      const dropped = yield* Deferred.make<void>()
      yield* pulls.start("g1", queue(1), Deferred.await(dropped)) // a loop whose queue gets dropped ends by itself
      expect(yield* pulls.size).toBe(2)
      yield* Deferred.succeed(dropped, undefined)
      yield* eventually(Effect.map(pulls.size, (n) => n === 1), { what: "the ended loop left the service" })
    }).pipe(Effect.provide(PullMessageServiceLive.layer)))

  it.effect("closing the service's scope interrupts every loop left", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(PullMessageServiceLive.layer, scope)
      const pulls = context.unsafeMap.get(PullMessageService.key) as PullMessageService["Type"]
      const log = yield* Ref.make<Array<string>>([])
      yield* pulls.start("g1", queue(0), loop(log, "a"))
      yield* pulls.start("g2", queue(3), loop(log, "b"))
      yield* eventually(Effect.map(Ref.get(log), (l) => l.length === 2), { what: "both loops started" })
      yield* Scope.close(scope, Exit.void)
      expect((yield* Ref.get(log)).filter((l) => l.startsWith("stop")).sort()).toEqual(["stop a", "stop b"])
    }))
})
