import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, FiberId, TestClock } from "effect"
import * as ConsumeExecutor from "../../src/layers/consumer/ConsumeExecutor.js"

/** Lets the executor's workers move (they are fibers of their own). */
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 20)))

describe("consume executor", () => {
  it.scoped("runs at most `concurrency` tasks at once, in the order they came, and a new concurrency when applied", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(2)
      const started: Array<number> = []
      const gates = Array.from({ length: 6 }, () => Deferred.unsafeMake<void>(FiberId.none))
      for (const [i, gate] of gates.entries()) {
        yield* executor.submit(Effect.zipRight(Effect.sync(() => started.push(i)), Deferred.await(gate)))
      }
      yield* settle
      expect(started).toEqual([0, 1])
      expect(yield* executor.pending).toBe(6)
      yield* Deferred.succeed(gates[1]!, undefined)
      yield* settle
      expect(started).toEqual([0, 1, 2])
      yield* executor.setConcurrency(4)
      expect(yield* executor.concurrency).toBe(2)
      yield* executor.apply
      yield* settle
      expect(yield* executor.concurrency).toBe(4)
      expect(started).toEqual([0, 1, 2, 3, 4])
      // Back to one: workers over it end after their task; the one left is busy with 4, so 5 waits for it.
      yield* executor.setConcurrency(1)
      yield* executor.apply
      for (const gate of [gates[0]!, gates[2]!, gates[3]!]) yield* Deferred.succeed(gate, undefined)
      yield* settle
      expect(started).toEqual([0, 1, 2, 3, 4])
      yield* Deferred.succeed(gates[4]!, undefined)
      yield* settle
      expect(started).toEqual([0, 1, 2, 3, 4, 5])
      let running = 0
      let peak = 0
      const tracked = Effect.acquireUseRelease(
        Effect.sync(() => (peak = Math.max(peak, ++running))),
        () => Effect.sleep("10 millis"),
        () => Effect.sync(() => running--)
      )
      for (let i = 0; i < 5; i++) yield* executor.submit(tracked)
      yield* Deferred.succeed(gates[5]!, undefined)
      for (let i = 0; i < 5; i++) {
        yield* settle
        yield* TestClock.adjust("10 millis")
      }
      yield* settle
      expect(peak).toBe(1)
      expect(yield* executor.pending).toBe(0)
    }))

  it.scoped("a worker interrupted in a task, or a task that dies, does not stop the others: the next tasks run", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(1)
      const done: Array<string> = []
      const stuck = yield* Deferred.make<Fiber.RuntimeFiber<unknown, unknown>>()
      yield* executor.submit(
        Effect.withFiberRuntime<void>((fiber) => Effect.zipRight(Deferred.succeed(stuck, fiber), Effect.never))
      )
      yield* executor.submit(Effect.sync(() => done.push("after the interrupted one")))
      yield* executor.submit(Effect.die("a task that dies"))
      yield* executor.submit(Effect.sync(() => done.push("after the dead one")))
      const worker = yield* Deferred.await(stuck)
      yield* settle
      expect(done).toEqual([])
      worker.unsafeInterruptAsFork(FiberId.none)
      yield* settle
      expect(done).toEqual(["after the interrupted one", "after the dead one"])
      expect(yield* executor.pending).toBe(0)
    }))

  it.scoped("drain: waiting tasks never start, running ones finish up to the deadline, then are interrupted", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(2)
      const events: Array<string> = []
      const quick = yield* Deferred.make<void>()
      yield* executor.submit(
        Effect.zipRight(Deferred.await(quick), Effect.sync(() => events.push("quick finished")))
      )
      yield* executor.submit(
        Effect.onInterrupt(Effect.never, () => Effect.sync(() => events.push("stuck interrupted")))
      )
      yield* executor.submit(Effect.sync(() => events.push("waiting started")))
      yield* settle
      const draining = yield* Effect.fork(executor.drain("1 second"))
      yield* settle
      yield* Deferred.succeed(quick, undefined)
      yield* settle
      expect(events).toEqual(["quick finished"])
      expect(draining.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(draining)
      expect(events).toEqual(["quick finished", "stuck interrupted"])
      // Stopped: what comes now is not run.
      yield* executor.submit(Effect.sync(() => events.push("late")))
      yield* settle
      expect(events).toEqual(["quick finished", "stuck interrupted"])
    }))
})
