import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Metric, MetricState, Option, TestClock } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fromAddressServer } from "../../src/layers/AddressServerLive.js"
import {
  addressServerUrl,
  NameServerAddresses,
  parseAddressServerAnswer
} from "../../src/services/NameServerAddresses.js"
import { eventually, sleepsEndingIn } from "../support/Eventually.js"

/** An address server in the test process, answering whatever `answer` holds. */
const addressServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const state = { status: 200, body: "10.0.0.1:9876;10.0.0.2:9876\n", requests: 0 }
    const server = http.createServer((_, res) => {
      state.requests++
      res.writeHead(state.status)
      res.end(state.body)
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    return { state, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rocketmq/nsaddr` }
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
)

/** The address server's refreshes that failed so far (the layer's counter, found by its name). */
const failedRefreshes = Effect.map(
  Metric.snapshot,
  (pairs) =>
    Option.match(
      Option.fromNullable(pairs.find((p) => p.metricKey.name === "rocketmq_namesrv_address_refresh_failures_total")),
      { onNone: () => 0, onSome: (p) => MetricState.isCounterState(p.metricState) ? Number(p.metricState.count) : 0 }
    )
)

/** The refresh loop sleeps (on the TestClock) until its next turn, `millis` from now. */
const nextTurnIn = (millis: number) => Effect.map(sleepsEndingIn(millis), (sleeps) => sleeps > 0)

/**
 * Waits until the fetch or refresh is done: the list is `expected` (or, with `failures`, that many refreshes failed
 * and the list is still `expected`) and the loop is asleep until its next turn, so the next `TestClock.adjust` is
 * that turn's. Refreshes do real HTTP after the Clock moves.
 */
const refreshed = (
  expected: ReadonlyArray<string>,
  next: number,
  failures?: number
) =>
  Effect.gen(function*() {
    const addresses = yield* NameServerAddresses
    yield* eventually(
      Effect.gen(function*() {
        if ((yield* addresses.get).join(";") !== expected.join(";")) return false
        if (failures !== undefined && (yield* failedRefreshes) !== failures) return false
        return yield* nextTurnIn(next)
      }),
      {
        what: `name servers ${expected.join(";")}${
          failures === undefined ? "" : `, ${failures} failed refreshes`
        }, next refresh in ${next} ms`
      }
    )
    expect(yield* addresses.get).toEqual(expected)
  })

describe("name servers from the address server", () => {
  it("builds Java's URL", () => {
    expect(addressServerUrl("jmenv.tbsite.net", "nsaddr")).toBe("http://jmenv.tbsite.net:8080/rocketmq/nsaddr")
    expect(addressServerUrl("lookup:9000", "ns", "unit1")).toBe("http://lookup:9000/rocketmq/ns-unit1?nofix=1")
    expect(parseAddressServerAnswer("  a:1;b:2\r\nignored")).toEqual(["a:1", "b:2"])
  })

  it.scoped("fetches at start, refreshes after 10 s and every 2 minutes, and keeps the last good list on failure", () =>
    Effect.gen(function*() {
      const server = yield* addressServer
      const layer = fromAddressServer({ url: server.url }).pipe(Layer.provide(NodeHttpClient.layer))
      const failedBefore = yield* failedRefreshes
      const twoMinutes = 120_000
      yield* Effect.gen(function*() {
        yield* refreshed(["10.0.0.1:9876", "10.0.0.2:9876"], 10_000)
        expect(server.state.requests).toBe(1)
        server.state.body = "10.0.0.3:9876"
        yield* TestClock.adjust("10 seconds")
        yield* refreshed(["10.0.0.3:9876"], twoMinutes)
        expect(server.state.requests).toBe(2)
        server.state.status = 500
        yield* TestClock.adjust("2 minutes")
        yield* refreshed(["10.0.0.3:9876"], twoMinutes, failedBefore + 1)
        expect(server.state.requests).toBe(3)
        server.state.status = 200
        server.state.body = ""
        yield* TestClock.adjust("2 minutes")
        yield* refreshed(["10.0.0.3:9876"], twoMinutes, failedBefore + 2)
        expect(server.state.requests).toBe(4)
        server.state.body = "10.0.0.4:9876;10.0.0.5:9876"
        yield* TestClock.adjust("2 minutes")
        yield* refreshed(["10.0.0.4:9876", "10.0.0.5:9876"], twoMinutes, failedBefore + 2)
        expect(server.state.requests).toBe(5)
      }).pipe(Effect.provide(layer))
    }))
})
