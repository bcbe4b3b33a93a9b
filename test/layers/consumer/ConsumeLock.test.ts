import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, TestClock } from "effect"
import { type ConsumeLock, makeConsumeLock } from "../../../src/layers/consumer/ConsumeLock.js"

/** Whether the lock is free now: a fiber taking it has it once it ran (then gives it back), or is still waiting. */
const isFree = (lock: ReturnType<typeof makeConsumeLock>) =>
  Effect.gen(function*() {
    const taker = yield* Effect.fork(lock.take(1))
    yield* Effect.yieldNow()
    const taken = yield* Fiber.poll(taker)
    if (Option.isNone(taken)) {
      yield* Fiber.interrupt(taker)
      return false
    }
    yield* lock.release(1)
    return true
  })

describe("ConsumeLock (an orderly batch's lock, waited for by a rebalance)", () => {
  it.effect("a batch runs holding the lock and gives it back however it ends", () =>
    Effect.gen(function*() {
      const lock = makeConsumeLock()
      const seen = yield* lock.withPermits(1)(isFree(lock))
      expect(seen).toBe(false)
      expect(yield* isFree(lock)).toBe(true)
      const failed = yield* Effect.exit(lock.withPermits(1)(Effect.fail("boom")))
      expect(failed).toEqual(Exit.fail("boom"))
      expect(yield* isFree(lock)).toBe(true)
      const died = yield* Effect.exit(lock.withPermits(1)(Effect.die("defect")))
      expect(Exit.isFailure(died)).toBe(true)
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.effect("a waiting rebalance takes the lock before the next batch can", () =>
    Effect.gen(function*() {
      const lock = makeConsumeLock()
      const order: Array<string> = []
      const inBatch = yield* Deferred.make<void>()
      const endBatch = yield* Deferred.make<void>()
      const batches = yield* Effect.fork(Effect.gen(function*() {
        yield* lock.withPermits(1)(Effect.zipRight(Deferred.succeed(inBatch, undefined), Deferred.await(endBatch)))
        order.push("batch 1 ended")
        // The next batch at once, as an orderly worker goes on.
        yield* lock.withPermits(1)(Effect.sync(() => order.push("batch 2")))
      }))
      yield* Deferred.await(inBatch)
      const rebalance = yield* Effect.fork(
        Effect.zipRight(lock.take(1), Effect.sync(() => order.push("rebalance took the lock")))
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(endBatch, undefined)
      yield* Fiber.join(rebalance)
      expect(order).toEqual(["batch 1 ended", "rebalance took the lock"])
      yield* lock.release(1)
      yield* Fiber.join(batches)
      expect(order).toEqual(["batch 1 ended", "rebalance took the lock", "batch 2"])
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.effect("a wait that times out leaves the lock as it was, and a later release frees it", () =>
    Effect.gen(function*() {
      const lock = makeConsumeLock()
      yield* lock.take(1)
      const waiting = yield* Effect.fork(Effect.timeoutOption(lock.take(1), "1 second"))
      yield* TestClock.adjust("1 second")
      expect(Option.isNone(yield* Fiber.join(waiting))).toBe(true)
      yield* lock.release(1)
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.effect("a waiter interrupted once the lock was handed to it gives it on", () =>
    Effect.gen(function*() {
      const lock = makeConsumeLock()
      yield* lock.take(1)
      const first = yield* Effect.fork(lock.take(1))
      const second = yield* Effect.fork(lock.take(1))
      yield* Effect.yieldNow()
      // The release hands the lock to the first waiter, which is interrupted before it goes on.
      yield* Effect.zipRight(lock.release(1), Fiber.interrupt(first))
      yield* Fiber.join(second)
      yield* lock.release(1)
      expect(yield* isFree(lock)).toBe(true)
    }))

  it.effect("a wait interrupted at any step, queued or handed the lock, leaves the lock free", () =>
    Effect.gen(function*() {
      // The waiting fiber yields every few steps (Effect's run loop needs about ten between yields to make progress),
      // so with every spacing of its yields and every k the interruption lands at a different step: while it
      // registers, while it waits, once the lock was handed to it, after its wait ended. A batch's `withPermits` with
      // the holder's release before the interruption and after it; a rebalance's `take` interrupted while the lock is
      // still held (a `take` that has ended leaves the lock to its caller, who gives it back).
      const waits = [
        ["batch", (lock: ConsumeLock) => lock.withPermits(1)(Effect.void), [true, false]],
        ["rebalance", (lock: ConsumeLock) => lock.take(1), [false]]
      ] as const
      for (const [who, waitFor, orders] of waits) {
        for (const releaseFirst of orders) {
          for (let steps = 10; steps <= 24; steps++) {
            for (let k = 0; k < 12; k++) {
              const lock = makeConsumeLock()
              yield* lock.take(1)
              const waiter = yield* Effect.fork(waitFor(lock).pipe(Effect.withMaxOpsBeforeYield(steps)))
              if (releaseFirst) {
                yield* Effect.yieldNow()
                yield* lock.release(1)
              }
              for (let i = 0; i < k; i++) yield* Effect.yieldNow()
              yield* Fiber.interrupt(waiter)
              if (!releaseFirst) yield* lock.release(1)
              const at = `${who}, ${releaseFirst ? "released then interrupted" : "interrupted then released"}, ` +
                `a yield every ${steps} steps, interrupted after ${k} yields`
              expect(yield* isFree(lock), at).toBe(true)
            }
          }
        }
      }
    }))
})
