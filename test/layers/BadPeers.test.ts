// What the client does facing each bad network behaviour, with short timeouts set here: which typed error, within
// which bound (measured in real time, as real sockets are involved), for a call, a producer start, a consumer start,
// a heartbeat round, a send and a client close; and a good peer in the same process works all the while.
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Duration, Effect, Exit, HashMap, Layer, Logger, Option } from "effect"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { request, response } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RpcHooks } from "../../src/services/RpcHooks.js"
import { badPeer, type Misbehaviour, misbehaviours } from "../support/BadPeers.js"
import { scriptedPeer } from "../support/ScriptedPeer.js"

const CONNECT_TIMEOUT = 300
const API_TIMEOUT = 500
/** What a loaded machine may add to a bound: event-loop delays, not the operating system's 127 s of SYN retries. */
const SLACK = 750

interface Expected {
  /** The typed error a call gets. */
  readonly error: "RemotingConnectError" | "RemotingConnectionError" | "RemotingTimeoutError"
  /** What its message says. */
  readonly says: RegExp
  /** How long one request to such a peer waits: nothing, the connect timeout or the request's own timeout. */
  readonly waits: number
}

const expected: Record<Misbehaviour, Expected> = {
  "refused": { error: "RemotingConnectError", says: /ECONNREFUSED/, waits: 0 },
  "black-holed": {
    error: "RemotingConnectError",
    says: new RegExp(`connect timed out after ${CONNECT_TIMEOUT} ms`),
    waits: CONNECT_TIMEOUT
  },
  "silent": {
    error: "RemotingTimeoutError",
    says: new RegExp(`timed out after ${API_TIMEOUT} ms`),
    waits: API_TIMEOUT
  },
  // "HTTP" read as a frame length is 1,213,486,160 bytes, over the 16 MiB limit.
  "http": { error: "RemotingConnectionError", says: /protocol error: frame of 1213486164 bytes/, waits: 0 },
  "garbage": { error: "RemotingConnectionError", says: /protocol error: JSON header does not parse/, waits: 0 },
  "one byte a second": {
    error: "RemotingTimeoutError",
    says: new RegExp(`timed out after ${API_TIMEOUT} ms`),
    waits: API_TIMEOUT
  },
  "2 GiB frame": { error: "RemotingConnectionError", says: /protocol error: frame of 2147483651 bytes/, waits: 0 }
}

/** Runs an effect and measures how long it took (live clock). */
const measured = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(effect)
    return { exit, millis: (yield* Clock.currentTimeMillis) - start }
  })

/** Asserts that `millis` is within `rounds` waits of one request to the peer (and, when it waits, not less). */
const withinBound = (misbehaviour: Misbehaviour, millis: number, rounds = 1) => {
  const { waits } = expected[misbehaviour]
  if (waits > 0) expect(millis).toBeGreaterThanOrEqual(waits - 10)
  expect(millis).toBeLessThan(rounds * waits + SLACK)
}

/** The typed error an exit failed with. */
const failureOf = <A, E extends { readonly _tag: string; readonly message: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

interface Logged {
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** A logger that keeps what is logged (nothing is printed). */
const keptLogs = (logs: Array<Logged>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ annotations, message }) => {
      logs.push({
        message: String(Array.isArray(message) ? message[0] : message),
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
  )

const ping = request(RequestCode.GET_MAX_OFFSET, { topic: "Orders", queueId: "0" })

/** A broker that answers everything: SUCCESS, and a send with where it was stored. */
const goodBroker = scriptedPeer((command, connection) =>
  connection.send(
    response(command, ResponseCode.SUCCESS, {
      extFields: command.code === RequestCode.SEND_MESSAGE_V2
        ? { msgId: "good", queueId: "0", queueOffset: "0" }
        : {}
    })
  )
)

describe.each(misbehaviours)("a peer that is %s", (misbehaviour) => {
  const { error, says } = expected[misbehaviour]

  it.scopedLive(`a call from an uninterruptible region fails with ${error} in time; a good peer works after`, () =>
    Effect.gen(function*() {
      const bad = yield* badPeer(misbehaviour)
      const good = yield* goodBroker
      const client = yield* RemotingClient
      const { exit, millis } = yield* measured(Effect.uninterruptible(client.invoke(bad.address, ping, API_TIMEOUT)))
      const failure = failureOf(exit)
      expect(failure?._tag).toBe(error)
      expect(failure?.message).toMatch(says)
      withinBound(misbehaviour, millis)
      expect((yield* client.invoke(good.address, ping, API_TIMEOUT)).code).toBe(ResponseCode.SUCCESS)
    }).pipe(
      Effect.provide(
        RemotingClientLive.layer({
          connectTimeout: Duration.millis(CONNECT_TIMEOUT),
          defaultTimeout: Duration.millis(API_TIMEOUT)
        })
          .pipe(
            Layer.provideMerge(RequestHandlersLive),
            Layer.provide(RpcHooks.layer([])),
            Layer.provide(NameServerAddresses.fixed([]))
          )
      ),
      Effect.provide(keptLogs([]))
    ))
})
