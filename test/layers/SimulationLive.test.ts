import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import * as net from "node:net"
import * as SimulationLive from "../../src/layers/SimulationLive.js"
import { messageKeys } from "../../src/protocol/MessageDecoder.js"
import type { MessageHandler } from "../../src/services/PushConsumer.js"
import { Fault, type FaultSchedule, SimulationFailed, SimulationPropertyFailed } from "../../src/services/Simulation.js"

// The client logs what the faults do to it (pulls failing, offsets not persisted): expected here, so not printed.
const quiet = Logger.withMinimumLogLevel(LogLevel.None)

/** A handler that never consumes `p0-3`: it asks for it later every time. */
const neverConsumesP0_3: MessageHandler<never> = (messages) =>
  Effect.succeed(messages.some((m) => messageKeys(m).includes("p0-3")) ? "RECONSUME_LATER" : "CONSUME_SUCCESS")

const everyKind: FaultSchedule = {
  faults: [
    { atMillis: 0, fault: Fault.ConsumerJoins({ staysForMillis: 400 }) },
    { atMillis: 50, fault: Fault.FailRequests({ broker: 0, request: "SEND_MESSAGE_V2", count: 3 }) },
    { atMillis: 60, fault: Fault.FailRequests({ broker: 1, request: "PULL_MESSAGE", count: 3 }) },
    {
      atMillis: 100,
      fault: Fault.ConsumerClosesMidBatch({ consumer: 0, batchCompletes: false, restartAfterMillis: 300 })
    },
    { atMillis: 150, fault: Fault.BrokerDown({ broker: 1, downForMillis: 200 }) },
    { atMillis: 200, fault: Fault.Latency({ broker: 0, latencyMillis: 100, forMillis: 300 }) },
    { atMillis: 250, fault: Fault.CutClient({ client: { role: "consumer", index: 1 } }) },
    { atMillis: 300, fault: Fault.CutClient({ client: { role: "producer", index: 0 } }) },
    { atMillis: 320, fault: Fault.FailRequests({ broker: 0, request: "UPDATE_CONSUMER_OFFSET", count: 2 }) },
    { atMillis: 350, fault: Fault.NameServerDown({ downForMillis: 200 }) }
  ]
}

// CI (CI=true, as .ci/run is started) runs a few hundred schedules; a developer's `npm test` a few dozen. Each schedule
// takes about a second on the 2-core machine (its virtual time runs faster than the wall clock); `npm run simulate`
// runs 500.
const schedules = process.env.CI === "true" ? { concurrent: 150, orderly: 100 } : { concurrent: 15, orderly: 10 }
const within = (runs: number) => 60_000 + runs * 3_000

describe("fault simulations", () => {
  it.live(
    "every kind of fault once: everything acknowledged is consumed, a batch closed mid-way interrupted",
    () =>
      Effect.gen(function*() {
        const report = yield* SimulationLive.run(everyKind)
        // 10 faults, 5 of which end: 15 steps, each taking effect. Some sends fail while a broker is down or busy.
        expect(report).toMatchObject({ stepsApplied: 15, stepsSkipped: 0 })
        expect(report.acknowledged).toBeGreaterThanOrEqual(20)
        expect(report.consumed).toBeGreaterThanOrEqual(report.acknowledged) // a send that timed out may be stored
        expect(report.interruptedBatches).toBeGreaterThanOrEqual(1)
        expect(report.offsetReads).toBeGreaterThan(0)
        expect(report.violations).toEqual([])
      }).pipe(quiet),
    60_000
  )

  it.live(
    `property: concurrent consumers keep every invariant under ${schedules.concurrent} drawn schedules`,
    () => SimulationLive.check({ runs: schedules.concurrent, seed: 20_251_203 }).pipe(quiet),
    within(schedules.concurrent)
  )

  it.live(
    `property: orderly consumers keep every invariant, per-queue order included, under ${schedules.orderly} schedules`,
    () => SimulationLive.check({ runs: schedules.orderly, seed: 20_251_204, orderly: true }).pipe(quiet),
    within(schedules.orderly)
  )

  it.live(
    "a handler that never consumes a message breaks an invariant: the schedule and the message are reported",
    () =>
      Effect.gen(function*() {
        const schedule: FaultSchedule = {
          faults: [{ atMillis: 10, fault: Fault.Latency({ broker: 0, latencyMillis: 5, forMillis: 50 }) }]
        }
        const error = yield* Effect.flip(
          SimulationLive.run(schedule, { handler: neverConsumesP0_3, recoveryWithin: "1 second" })
        )
        expect(error).toBeInstanceOf(SimulationFailed)
        const failed = error as SimulationFailed
        expect(failed.report.violations).toEqual([{ _tag: "Lost", key: "p0-3", producer: 0, sequence: 3 }])
        expect(failed.message).toContain("+10ms Latency(broker=0, latencyMillis=5, forMillis=50)")
      }).pipe(quiet),
    60_000
  )

  it.live(
    "a handler that leaves a socket open is reported: sockets left once every scope closed",
    () =>
      Effect.gen(function*() {
        // The handler opens a listening server on its first batch and never closes it (the test closes it after).
        const servers: Array<net.Server> = []
        yield* Effect.addFinalizer(() => Effect.sync(() => servers.forEach((s) => s.close())))
        const leaky: MessageHandler<never> = () =>
          Effect.sync(() => {
            if (servers.length === 0) servers.push(net.createServer().listen(0, "127.0.0.1"))
            return "CONSUME_SUCCESS" as const
          })
        const error = yield* Effect.flip(SimulationLive.run({ faults: [] }, { handler: leaky }))
        expect(error).toBeInstanceOf(SimulationFailed)
        expect((error as SimulationFailed).report.violations).toEqual([{ _tag: "SocketsLeft", count: 1 }])
      }).pipe(Effect.scoped, quiet),
    60_000
  )

  it.live("a failing property is shrunk: the smallest failing schedule is reported", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        SimulationLive.check({ runs: 1, seed: 5, handler: neverConsumesP0_3, recoveryWithin: "1 second" })
      )
      expect(error).toBeInstanceOf(SimulationPropertyFailed)
      // It fails whatever the faults: shrunk to one fault (the fewest drawn), the first kind, at once, the least.
      expect(error.schedule).toEqual({
        faults: [{ atMillis: 0, fault: Fault.BrokerDown({ broker: 0, downForMillis: 50 }) }]
      })
      expect(error.message).toContain("+0ms BrokerDown(broker=0, downForMillis=50)")
      expect(error.message).toContain("p0-3")
    }).pipe(quiet), 60_000)
})
