// Transactional messages on a real broker: committed, rolled back, and left unknown until the broker checks back
// (this suite's brokers check after 1 s, every second).
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { bodyText, collect, describeReal, eventually, producer, text, unique } from "./support/RealSuite.js"

describeReal("transactions on a real broker", {}, (it) => {
  it.test("a committed half message is delivered, a rolled back one never; an unknown one is settled by check-back", () => {
    const checked: Array<string> = []
    return Effect.gen(function*() {
      const topic = unique("Tx")
      const p = yield* Producer
      yield* p.send({ topic, body: text("route") })
      const committed = yield* p.sendInTransaction(
        { topic, body: text("commit") },
        () => Effect.succeed("COMMIT_MESSAGE")
      )
      expect(committed.localTransactionState).toBe("COMMIT_MESSAGE")
      yield* p.sendInTransaction({ topic, body: text("rollback") }, () => Effect.succeed("ROLLBACK_MESSAGE"))
      yield* p.sendInTransaction({ topic, body: text("unknown, then committed") }, () => Effect.succeed("UNKNOW"))
      yield* p.sendInTransaction({ topic, body: text("unknown, then rolled back") }, () => Effect.fail("local failure"))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      yield* c.awaitCount(3)
      yield* eventually(Effect.sync(() => checked.length >= 2))
      // Whatever else could arrive has had the checks' time to: a rolled back message would be here by now.
      yield* eventually(Effect.sync(() => checked.includes("unknown, then rolled back")))
      const bodies = c.received.map(bodyText)
      expect(bodies.sort()).toEqual(["commit", "route", "unknown, then committed"])
    }).pipe(Effect.provide(producer({
      group: unique("tx_producer"),
      transactionChecker: (m) =>
        Effect.sync(() => {
          checked.push(bodyText(m))
          return bodyText(m) === "unknown, then committed" ? "COMMIT_MESSAGE" : "ROLLBACK_MESSAGE"
        })
    })))
  })
})
