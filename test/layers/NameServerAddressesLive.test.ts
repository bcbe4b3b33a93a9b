import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import {
  addressServerUrl,
  fromAddressServer,
  parseAddressServerAnswer
} from "../../src/layers/NameServerAddressesLive.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"

/** An address server in the test process, answering whatever `answer` holds. */
const addressServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const state = { status: 200, body: "10.0.0.1:9876;10.0.0.2:9876\n" }
    const server = http.createServer((_, res) => {
      res.writeHead(state.status)
      res.end(state.body)
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    return { state, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rocketmq/nsaddr` }
  }),
  ({ server }) => Effect.promise(() => new Promise<void>((r) => server.close(() => r())))
)

/** Waits in real time until the list is `expected`: refreshes do real HTTP after the Clock moves. */
const eventually = (expected: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const addresses = yield* NameServerAddresses
    for (let i = 0; i < 200; i++) {
      if ((yield* addresses.get).join(";") === expected.join(";")) return
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
    }
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
      yield* Effect.gen(function*() {
        yield* eventually(["10.0.0.1:9876", "10.0.0.2:9876"])
        server.state.body = "10.0.0.3:9876"
        yield* TestClock.adjust("10 seconds")
        yield* eventually(["10.0.0.3:9876"])
        server.state.status = 500
        yield* TestClock.adjust("2 minutes")
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
        yield* eventually(["10.0.0.3:9876"])
        server.state.status = 200
        server.state.body = ""
        yield* TestClock.adjust("2 minutes")
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
        yield* eventually(["10.0.0.3:9876"])
        server.state.body = "10.0.0.4:9876;10.0.0.5:9876"
        yield* TestClock.adjust("2 minutes")
        yield* eventually(["10.0.0.4:9876", "10.0.0.5:9876"])
      }).pipe(Effect.provide(layer))
    }))
})
