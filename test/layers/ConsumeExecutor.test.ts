import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, FiberId, TestClock } from "effect"
import * as ConsumeExecutor from "../../src/layers/consumer/ConsumeExecutor.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../support/Eventually.js"

describe("consume executor", () => {
  it.scoped("runs at most `concurrency` tasks at once, in the order they came, and a new concurrency when applied", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(2)
      const started: Array<number> = []
      const gates = Array.from({ length: 6 }, () => Deferred.unsafeMake<void>(FiberId.none))
      for (const [i, gate] of gates.entries()) {
        yield* executor.submit(() => Effect.zipRight(Effect.sync(() => started.push(i)), Deferred.await(gate)))
      }
      yield* eventually(() => started.length === 2, { what: "two tasks started" })
      yield* fibersSettle()
      expect(started).toEqual([0, 1])
      expect(yield* executor.pending).toBe(6)
      yield* Deferred.succeed(gates[1]!, undefined)
      yield* eventually(() => started.length === 3, { what: "a third task started" })
      yield* fibersSettle()
      expect(started).toEqual([0, 1, 2])
      yield* executor.setConcurrency(4)
      expect(yield* executor.concurrency).toBe(2)
      yield* executor.apply
      yield* eventually(() => started.length === 5, { what: "two more tasks started" })
      yield* fibersSettle()
      expect(yield* executor.concurrency).toBe(4)
      expect(started).toEqual([0, 1, 2, 3, 4])
      // Back to one: workers over it end after their task; the one left is busy with 4, so 5 waits for it.
      yield* executor.setConcurrency(1)
      yield* executor.apply
      for (const gate of [gates[0]!, gates[2]!, gates[3]!]) yield* Deferred.succeed(gate, undefined)
      // Tasks 0, 2 and 3 are done: 4 runs, 5 waits.
      yield* eventually(Effect.map(executor.pending, (pending) => pending === 2), { what: "tasks 0, 2 and 3 ended" })
      yield* fibersSettle()
      expect(started).toEqual([0, 1, 2, 3, 4])
      expect(yield* executor.pending).toBe(2)
      yield* Deferred.succeed(gates[4]!, undefined)
      yield* eventually(() => started.length === 6, { what: "task 5 started" })
      expect(started).toEqual([0, 1, 2, 3, 4, 5])
      // Five tasks that each take time (a gate the test opens): with one worker they run one after the other.
      let running = 0
      let peak = 0
      const entered: Array<number> = []
      const done = Array.from({ length: 5 }, () => Deferred.unsafeMake<void>(FiberId.none))
      const tracked = (i: number) =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            peak = Math.max(peak, ++running)
            entered.push(i)
          }),
          () => Deferred.await(done[i]!),
          () => Effect.sync(() => running--)
        )
      for (let i = 0; i < 5; i++) yield* executor.submit(() => tracked(i))
      yield* Deferred.succeed(gates[5]!, undefined)
      for (let i = 0; i < 5; i++) {
        yield* eventually(() => entered.length === i + 1, { what: `tracked task ${i} started` })
        yield* fibersSettle()
        expect(entered).toEqual(Array.from({ length: i + 1 }, (_, j) => j))
        expect(running).toBe(1)
        yield* Deferred.succeed(done[i]!, undefined)
      }
      yield* eventually(Effect.map(executor.pending, (pending) => pending === 0), { what: "every task ended" })
      expect(peak).toBe(1)
      expect(running).toBe(0)
    }))

  it.scoped("a worker interrupted in a task, or a task that dies, does not stop the others: the next tasks run", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(1)
      const done: Array<string> = []
      const stuck = yield* Deferred.make<Fiber.RuntimeFiber<unknown, unknown>>()
      yield* executor.submit((worker) => Effect.zipRight(Deferred.succeed(stuck, worker), Effect.never))
      yield* executor.submit(() => Effect.sync(() => done.push("after the interrupted one")))
      yield* executor.submit(() => Effect.die("a task that dies"))
      yield* executor.submit(() => Effect.sync(() => done.push("after the dead one")))
      const worker = yield* Deferred.await(stuck)
      yield* fibersSettle()
      expect(done).toEqual([])
      expect(yield* executor.pending).toBe(4)
      worker.unsafeInterruptAsFork(FiberId.none)
      yield* eventually(Effect.map(executor.pending, (pending) => pending === 0), { what: "every task ended" })
      expect(done).toEqual(["after the interrupted one", "after the dead one"])
    }))

  it.scoped("drain: waiting tasks never start, running ones finish up to the deadline, then are interrupted", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(2)
      const events: Array<string> = []
      const quick = yield* Deferred.make<void>()
      const quickStarted = yield* Deferred.make<void>()
      const stuckStarted = yield* Deferred.make<void>()
      yield* executor.submit(() =>
        Effect.zipRight(
          Effect.zipRight(Deferred.succeed(quickStarted, undefined), Deferred.await(quick)),
          Effect.sync(() => events.push("quick finished"))
        )
      )
      yield* executor.submit(() =>
        Effect.zipRight(Deferred.succeed(stuckStarted, undefined), Effect.never).pipe(
          Effect.onInterrupt(() => Effect.sync(() => events.push("stuck interrupted")))
        )
      )
      yield* executor.submit(() => Effect.sync(() => events.push("waiting started")))
      yield* Deferred.await(quickStarted)
      yield* Deferred.await(stuckStarted)
      const draining = yield* Effect.fork(executor.drain("1 second"))
      // The drain has stopped taking tasks once it waits for the running ones, until its deadline (a Clock sleep).
      yield* eventually(Effect.map(sleepsEndingIn(1000), (sleeps) => sleeps === 1), {
        what: "the drain waits for the running tasks until its deadline"
      })
      yield* Deferred.succeed(quick, undefined)
      yield* eventually(() => events.length > 0, { what: "the quick task finished" })
      yield* fibersSettle()
      expect(events).toEqual(["quick finished"])
      expect(draining.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(draining)
      expect(events).toEqual(["quick finished", "stuck interrupted"])
      // Stopped: what comes now is not run.
      yield* executor.submit(() => Effect.sync(() => events.push("late")))
      yield* fibersSettle()
      expect(events).toEqual(["quick finished", "stuck interrupted"])
    }))

  it.scoped("tasks submitted together: quick ones run in the worker that woke, waiting ones spread up to the concurrency", () =>
    Effect.gen(function*() {
      const executor = yield* ConsumeExecutor.make(20)
      yield* fibersSettle()
      // 32 tasks that finish at once (a pulled batch, one message a task, a handler with nothing to wait for). Each
      // is given the worker that runs it.
      const runners = new Set<number>()
      const givenTheirOwnWorker: Array<boolean> = []
      const quick: ConsumeExecutor.ConsumeTask = (worker) =>
        Effect.withFiberRuntime<void>((fiber) =>
          Effect.sync(() => {
            runners.add(fiber.id().id)
            givenTheirOwnWorker.push(fiber === worker)
          })
        )
      yield* executor.submitAll(Array.from({ length: 32 }, () => quick))
      yield* eventually(() => givenTheirOwnWorker.length === 32, { what: "the 32 quick tasks ran" })
      expect(runners.size).toBe(1)
      expect(givenTheirOwnWorker.every((same) => same)).toBe(true)
      // 5 tasks that wait (for I/O, a gate here) with a concurrency of 3: three run at once, the others wait.
      yield* executor.setConcurrency(3)
      yield* executor.apply
      const gate = yield* Deferred.make<void>()
      let waiting = 0
      const slow = Effect.zipRight(Effect.sync(() => waiting++), Deferred.await(gate))
      yield* executor.submitAll(Array.from({ length: 5 }, () => () => slow))
      yield* eventually(() => waiting === 3, { what: "three waiting tasks running" })
      yield* fibersSettle()
      expect(waiting).toBe(3)
      expect(yield* executor.pending).toBe(5)
      yield* Deferred.succeed(gate, undefined)
      yield* eventually(Effect.map(executor.pending, (pending) => pending === 0), { what: "every task ended" })
      expect(waiting).toBe(5)
    }))
})
