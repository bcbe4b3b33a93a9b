import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, TestClock } from "effect"
import { type ServerHandler, startRemotingServer } from "../../src/layers/embedded/RemotingServer.js"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { request, response } from "../../src/protocol/RemotingCommand.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RpcHooks } from "../../src/services/RpcHooks.js"
import { eventually } from "../support/Eventually.js"

const client = RemotingClientLive.layer().pipe(
  Layer.provide(Layer.mergeAll(RequestHandlersLive, RpcHooks.none, NameServerAddresses.fixed([])))
)

const ok = (remark: string): ServerHandler => (req) => Effect.succeed(response(req, ResponseCode.SUCCESS, { remark }))

describe("embedded remoting server", () => {
  it.scoped("answers finished answers at once, runs the others in fibers, and answers a defect SYSTEM_ERROR", () =>
    Effect.gen(function*() {
      // Code 2 takes time: its answer waits for the test to release it.
      const laterStarted = yield* Deferred.make<void>()
      const releaseLater = yield* Deferred.make<void>()
      const handler: ServerHandler = (req, connection) => {
        switch (req.code) {
          case 1:
            return ok("at once")(req, connection)
          case 2:
            return Effect.as(
              Effect.zipRight(Deferred.succeed(laterStarted, undefined), Deferred.await(releaseLater)),
              response(req, ResponseCode.SUCCESS, { remark: "later" })
            )
          case 3:
            throw new Error("thrown while answering")
          case 4:
            return Effect.die("died at once")
          default:
            return Effect.sync(() => {
              throw new Error("died in its fiber")
            })
        }
      }
      const server = yield* startRemotingServer(handler)
      const remoting = yield* RemotingClient
      const address = `127.0.0.1:${server.port}`
      const call = (code: number) => remoting.invoke(address, request(code, {}), "10 seconds")
      expect((yield* call(1)).remark).toBe("at once")
      const later = yield* Effect.fork(call(2))
      yield* Deferred.await(laterStarted)
      // While code 2 is answered in its fiber, the server answers others at once.
      expect((yield* call(1)).remark).toBe("at once")
      expect(later.unsafePoll()).toBeNull()
      yield* Deferred.succeed(releaseLater, undefined)
      expect((yield* Fiber.join(later)).remark).toBe("later")
      for (
        const [code, remark] of [[3, "thrown while answering"], [4, "died at once"], [5, "died in its fiber"]] as const
      ) {
        const answer = yield* call(code)
        expect(answer.code).toBe(ResponseCode.SYSTEM_ERROR)
        expect(answer.remark).toContain(remark)
      }
    }).pipe(Effect.provide(client)))

  it.scoped("holds answers back by the delay: the work is done at once, answers leave when due, in due order", () =>
    Effect.gen(function*() {
      let delay = 500
      const handled: Array<string> = []
      const handler: ServerHandler = (req, connection) => {
        handled.push(req.remark ?? "")
        return ok(`answer to ${req.remark}`)(req, connection)
      }
      const server = yield* startRemotingServer(handler, { answerDelayMillis: () => delay })
      const remoting = yield* RemotingClient
      const address = `127.0.0.1:${server.port}`
      const call = (remark: string) => remoting.invoke(address, request(1, {}, { remark }), "10 seconds")
      const slow = yield* Effect.fork(call("slow"))
      yield* eventually(() => handled.length === 1, { what: "the server handled the slow request" })
      expect(handled).toEqual(["slow"])
      delay = 100
      const quick = yield* Effect.fork(call("quick"))
      yield* eventually(() => handled.length === 2, { what: "the server handled the quick request" })
      expect(handled).toEqual(["slow", "quick"])
      expect(slow.unsafePoll()).toBeNull()
      expect(quick.unsafePoll()).toBeNull()
      yield* TestClock.adjust("100 millis")
      expect((yield* Fiber.join(quick)).remark).toBe("answer to quick")
      expect(slow.unsafePoll()).toBeNull()
      yield* TestClock.adjust("400 millis")
      expect((yield* Fiber.join(slow)).remark).toBe("answer to slow")
      delay = 0
      expect((yield* call("now")).remark).toBe("answer to now")
    }).pipe(Effect.provide(client)))
})
