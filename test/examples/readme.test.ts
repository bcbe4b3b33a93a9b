// The README's transport example, run against a scripted peer so that the README stays true.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import {
  aclRpcHook,
  NameServerAddresses,
  Protocol,
  RemotingClient,
  RemotingClientLive,
  RequestHandlersLive,
  RpcHooks
} from "../../src/index.js"
import { scriptedPeer } from "../support/ScriptedPeer.js"

describe("README", () => {
  it.scoped("the transport example asks a name server for a route", () =>
    Effect.gen(function*() {
      const nameServer = yield* scriptedPeer((request, peer) =>
        peer.send(Protocol.response(request, Protocol.ResponseCode.SUCCESS, { body: Buffer.from("{}") }))
      )
      // --- as in README.md ---
      const TransportLive = RemotingClientLive.layer({ permitsAsync: 1024 }).pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.layer([aclRpcHook({ accessKey: "ak", secretKey: Redacted.make("sk") })])),
        Layer.provide(NameServerAddresses.fixed([nameServer.address]))
      )
      const program = Effect.gen(function*() {
        const client = yield* RemotingClient
        const response = yield* client.invokeNameServer(
          Protocol.request(Protocol.RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TestTopic" }),
          "3 seconds"
        )
        return response.code
      })
      // ---
      expect(yield* program.pipe(Effect.provide(TransportLive))).toBe(0)
      expect(nameServer.received[0]!.extFields).toMatchObject({ topic: "TestTopic", AccessKey: "ak" })
    }))
})
