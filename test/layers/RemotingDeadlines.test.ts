// The transport's deadlines on the test clock: each wait ends at its own deadline, from a caller that cannot be
// interrupted, without interrupting anything.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Random, Scope, TestClock } from "effect"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { request, response } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import { RemotingClient, type RemotingClientConfig } from "../../src/services/RemotingClient.js"
import { RpcHooks } from "../../src/services/RpcHooks.js"
import { badPeer } from "../support/BadPeers.js"
import { scriptedPeer } from "../support/ScriptedPeer.js"

const transport = (config: Partial<RemotingClientConfig> = {}, nameServers: ReadonlyArray<string> = []) =>
  RemotingClientLive.layer(config).pipe(
    Layer.provideMerge(RequestHandlersLive),
    Layer.provide(RpcHooks.layer([])),
    Layer.provide(NameServerAddresses.fixed(nameServers))
  )

const ping = request(RequestCode.GET_MAX_OFFSET, { topic: "T", queueId: "0" })

/** Lets what Node does next (a connect it issues, the socket events of this turn) happen. */
const nodeTurn = Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))

/** Forks an uninterruptible effect and waits until it is suspended (waiting on what is under test). */
const forkWaiting = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.uninterruptible(effect))
    while ((yield* fiber.status)._tag !== "Suspended") yield* Effect.yieldNow()
    yield* nodeTurn
    return fiber
  })

/** Whether the fiber is still running after the clock moved by `millis`. */
const stillWaitingAfter = <A, E>(fiber: Fiber.Fiber<A, E>, millis: number) =>
  Effect.zipRight(TestClock.adjust(millis), Effect.map(Fiber.poll(fiber), (done) => done._tag === "None"))

describe("the transport's deadlines", () => {
  it.scoped("a call waiting for a permit fails with RemotingTimeoutError at its deadline", () =>
    Effect.gen(function*() {
      const silent = yield* badPeer("silent")
      const client = yield* RemotingClient
      yield* forkWaiting(client.invoke(silent.address, ping, "10 seconds")) // holds the only permit
      const second = yield* forkWaiting(client.invoke(silent.address, ping, "1 second"))
      expect(yield* stillWaitingAfter(second, 999)).toBe(true)
      expect(yield* stillWaitingAfter(second, 1)).toBe(false)
      expect(yield* Effect.flip(Fiber.join(second))).toMatchObject({
        _tag: "RemotingTimeoutError",
        timeoutMillis: 1000
      })
    }).pipe(Effect.provide(transport({ permitsAsync: 1 }))))

  it.scoped("a caller gives up a connection at its connectTimeout; the attempt goes on until the transport's", () =>
    Effect.gen(function*() {
      const blackHole = yield* badPeer("black-holed")
      const client = yield* RemotingClient
      const hasty = yield* forkWaiting(client.invoke(blackHole.address, ping, "10 seconds", { connectTimeout: 500 }))
      const patient = yield* forkWaiting(client.invoke(blackHole.address, ping, "10 seconds"))
      expect(yield* stillWaitingAfter(hasty, 499)).toBe(true)
      expect(yield* stillWaitingAfter(hasty, 1)).toBe(false)
      expect(yield* Effect.flip(Fiber.join(hasty))).toMatchObject({
        _tag: "RemotingConnectError",
        reason: "not connected within 500 ms"
      })
      expect(yield* stillWaitingAfter(patient, 2499)).toBe(true)
      expect(yield* stillWaitingAfter(patient, 1)).toBe(false)
      expect(yield* Effect.flip(Fiber.join(patient))).toMatchObject({
        _tag: "RemotingConnectError",
        reason: "connect timed out after 3000 ms"
      })
    }).pipe(Effect.provide(transport())))

  it.scoped("a oneway request's timeout covers its wait for a connection", () =>
    Effect.gen(function*() {
      const blackHole = yield* badPeer("black-holed")
      const client = yield* RemotingClient
      const oneway = yield* forkWaiting(client.invokeOneway(blackHole.address, ping, "400 millis"))
      expect(yield* stillWaitingAfter(oneway, 400)).toBe(false)
      expect(yield* Effect.flip(Fiber.join(oneway))).toMatchObject({
        _tag: "RemotingConnectError",
        reason: "not connected within 400 ms"
      })
    }).pipe(Effect.provide(transport())))

  it.scoped("a name-server call tries the next name server within its one timeout", () =>
    Effect.gen(function*() {
      const blackHole = yield* badPeer("black-holed")
      const good = yield* scriptedPeer((command, connection) =>
        connection.send(response(command, ResponseCode.SUCCESS))
      )
      const answer = yield* Effect.gen(function*() {
        const client = yield* RemotingClient
        // The black hole first.
        const call = yield* forkWaiting(
          Effect.withRandom(client.invokeNameServer(ping, "2 seconds"), Random.fixed([0]))
        )
        // The first name server tried gets half the time to connect in; then the next is tried.
        expect(yield* stillWaitingAfter(call, 999)).toBe(true)
        yield* TestClock.adjust(1)
        return yield* Fiber.join(call)
      }).pipe(Effect.provide(transport({}, [blackHole.address, good.address])))
      expect(answer.code).toBe(ResponseCode.SUCCESS)
    }))

  it.effect("closing the client fails the callers waiting for a connection at once", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const blackHole = yield* badPeer("black-holed").pipe(Scope.extend(scope))
      const client = yield* Effect.provide(RemotingClient, yield* Layer.buildWithScope(transport(), scope))
      const call = yield* forkWaiting(client.invoke(blackHole.address, ping, "10 seconds"))
      yield* Scope.close(scope, Exit.void)
      expect(yield* Effect.flip(Fiber.join(call))).toMatchObject({
        _tag: "RemotingConnectError",
        reason: "client closed"
      })
    }))
})
