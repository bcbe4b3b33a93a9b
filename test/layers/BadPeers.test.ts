// What the client does facing each bad network behaviour, with short timeouts set here: which typed error, within
// which bound (measured in real time, as real sockets are involved), for a call, a producer start, a consumer start,
// a heartbeat round, a send and a client close; and a good peer in the same process works all the while.
import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Clock, Context, Duration, Effect, Exit, Layer, Option, Scope } from "effect"
import * as ClientLive from "../../src/layers/ClientLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import * as PushConsumerLive from "../../src/layers/PushConsumerLive.js"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { encodeBody } from "../../src/protocol/bodies/Body.js"
import { TopicRouteData } from "../../src/protocol/bodies/TopicRouteData.js"
import { request, response } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RpcHooks } from "../../src/services/RpcHooks.js"
import { TopicRouteCache } from "../../src/services/TopicRouteCache.js"
import { badPeer, type Misbehaviour, misbehaviours } from "../support/BadPeers.js"
import { keptLogs, type Logged } from "../support/KeptLogs.js"
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

/** The peer; one that trickles writes a byte every 100 ms, so that a few arrive within a call's 500 ms. */
const peer = (misbehaviour: Misbehaviour) => badPeer(misbehaviour, { byteIntervalMillis: 100 })

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

/** A name server whose route for Orders has one queue on the bad broker (broker-a) and one on the good (broker-b). */
const nameServerFor = (bad: string, good: string) =>
  scriptedPeer((command, connection) => {
    if (command.code !== RequestCode.GET_ROUTEINFO_BY_TOPIC || command.extFields?.topic !== "Orders") {
      return connection.send(response(command, ResponseCode.TOPIC_NOT_EXIST))
    }
    const brokers = [["broker-a", bad], ["broker-b", good]] as const
    const route = {
      brokerDatas: brokers.map(([brokerName, address]) => ({
        brokerName,
        cluster: "c",
        brokerAddrs: { "0": address }
      })),
      queueDatas: brokers.map(([brokerName]) => ({
        brokerName,
        perm: 6,
        readQueueNums: 1,
        writeQueueNums: 1,
        topicSysFlag: 0
      })),
      filterServerTable: {}
    }
    connection.send(response(command, ResponseCode.SUCCESS, { body: encodeBody(TopicRouteData, route) }))
  })

/**
 * A whole client (ClientLive, the settings given over short timeouts) whose name server routes Orders to the bad peer
 * (broker-a) and a good broker (broker-b), built in `scope`, and which knows the route of Orders already.
 */
const clientFacing = (bad: string, scope: Scope.Scope, settings: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const good = yield* goodBroker
    const nameServer = yield* nameServerFor(bad, good.address)
    const layer = ClientLive.layer({
      nameServerAddress: nameServer.address,
      clientIP: "127.0.0.1",
      instanceName: `bad-peers-${good.port}`,
      apiTimeoutMillis: API_TIMEOUT,
      connectTimeoutMillis: CONNECT_TIMEOUT,
      ...settings
    }).pipe(Layer.provide(NodeHttpClient.layer), Layer.merge(NodeFileSystem.layer))
    // Built in an uninterruptible region: closing it must not wait on fibers that cannot be interrupted.
    const context = yield* Effect.uninterruptible(Layer.buildWithScope(layer, scope))
    yield* Context.get(context, TopicRouteCache).refresh("Orders")
    return { context, good, instance: Context.get(context, ClientInstance) }
  })

/**
 * A producer or consumer started, its start measured, in a scope of its own closed with the test's. (Not as the
 * acquire of an `acquireRelease`: the push consumer's fibers forked in an uninterruptible region could not be
 * interrupted when it closes.)
 */
const startIn = <A, E, R>(context: Context.Context<R>, start: Effect.Effect<A, E, R | Scope.Scope>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    return yield* measured(Effect.provide(start, Context.add(context, Scope.Scope, scope)))
  })

const heartbeatsTo = (broker: { readonly received: ReadonlyArray<{ readonly code: number }> }) =>
  broker.received.filter((c) => c.code === RequestCode.HEART_BEAT).length

/** The error logged with `message` for `address`. */
const failureLogged = (logs: ReadonlyArray<Logged>, message: string, address: string) =>
  String(logs.find((l) => l.message === message && l.annotations.address === address)?.annotations.error)

const SEND_TIMEOUT = 1500
/**
 * A send whose first try meets the peer (Java's 3 s connect timeout, 3 tries in 1.5 s): how long it waits there, and
 * whether it then fails (an answer that never comes is waited for until the send's deadline: the request went out).
 */
const sendMeets: Record<Misbehaviour, { readonly waits: number; readonly fails: boolean }> = {
  "refused": { waits: 0, fails: false },
  "black-holed": { waits: SEND_TIMEOUT / 3, fails: false },
  "silent": { waits: SEND_TIMEOUT, fails: true },
  "http": { waits: 0, fails: false },
  "garbage": { waits: 0, fails: false },
  "one byte a second": { waits: SEND_TIMEOUT, fails: true },
  "2 GiB frame": { waits: 0, fails: false }
}

const consumerOptions = {
  group: "orders_consumer",
  subscriptions: [{ topic: "Orders" }],
  handler: () => Effect.succeed("CONSUME_SUCCESS" as const)
}

describe.each(misbehaviours)("a peer that is %s", (misbehaviour) => {
  const { error, says } = expected[misbehaviour]

  it.scopedLive(`a call from an uninterruptible region fails with ${error} in time; a good peer works after`, () =>
    Effect.gen(function*() {
      const bad = yield* peer(misbehaviour)
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

  it.scopedLive("a heartbeat round ends within one request's wait; the good broker gets its heartbeat", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const bad = yield* peer(misbehaviour)
      const { good, instance } = yield* clientFacing(bad.address, yield* Effect.scope)
      const before = heartbeatsTo(good)
      const { millis } = yield* measured(Effect.uninterruptible(instance.sendHeartbeat))
      withinBound(misbehaviour, millis)
      expect(failureLogged(logs, "heartbeat failed", bad.address)).toMatch(says)
      expect(heartbeatsTo(good)).toBe(before + 1)
    }).pipe(Effect.provide(keptLogs(logs)))
  })

  it.scopedLive("a producer starts within one request's wait (its heartbeat round)", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const bad = yield* peer(misbehaviour)
      const { context, good } = yield* clientFacing(bad.address, yield* Effect.scope)
      const { exit, millis } = yield* startIn(
        context,
        Effect.uninterruptible(ProducerLive.make({ group: "orders_producer" }))
      )
      expect(Exit.isSuccess(exit)).toBe(true)
      withinBound(misbehaviour, millis)
      expect(failureLogged(logs, "heartbeat failed", bad.address)).toMatch(says)
      expect(heartbeatsTo(good)).toBeGreaterThan(0)
    }).pipe(Effect.provide(keptLogs(logs)))
  })

  it.scopedLive("a push consumer starts within one request's wait (its heartbeat round)", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const bad = yield* peer(misbehaviour)
      const { context, good } = yield* clientFacing(bad.address, yield* Effect.scope)
      const { exit, millis } = yield* startIn(context, PushConsumerLive.make(consumerOptions))
      expect(Exit.isSuccess(exit)).toBe(true)
      withinBound(misbehaviour, millis)
      expect(failureLogged(logs, "heartbeat failed", bad.address)).toMatch(says)
      expect(heartbeatsTo(good)).toBeGreaterThan(0)
    }).pipe(Effect.provide(keptLogs(logs)))
  })

  const meets = sendMeets[misbehaviour]
  it.scopedLive(
    meets.fails
      ? `a send fails with RemotingTimeoutError at its timeout; the next goes to the good broker`
      : `a send moves on to the good broker in time`,
    () =>
      Effect.gen(function*() {
        const bad = yield* peer(misbehaviour)
        const { context } = yield* clientFacing(bad.address, yield* Effect.scope, { connectTimeoutMillis: 3000 })
        const started = yield* startIn(context, ProducerLive.make({ group: "p", sendMsgTimeout: SEND_TIMEOUT }))
        const producer = yield* Effect.orDie(started.exit)
        const message = { topic: "Orders", body: Buffer.from("hello") }
        // Round robin: the first send tries broker-a (the bad peer) first, the next broker-b.
        const { exit, millis } = yield* measured(Effect.uninterruptible(producer.send(message)))
        if (meets.waits > 0) expect(millis).toBeGreaterThanOrEqual(meets.waits - 10)
        expect(millis).toBeLessThan(meets.waits + SLACK)
        if (meets.fails) expect(failureOf(exit)?._tag).toBe("RemotingTimeoutError")
        else expect(Exit.map(exit, (r) => r.messageQueue.brokerName)).toEqual(Exit.succeed("broker-b"))
        const next = yield* producer.send(message)
        expect(next.messageQueue.brokerName).toBe("broker-b")
      }).pipe(Effect.provide(keptLogs([])))
  )

  it.scopedLive("a client with a producer and a consumer closes within four requests' waits", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const bad = yield* peer(misbehaviour)
      const scope = yield* Scope.make()
      const { context, instance } = yield* clientFacing(bad.address, scope)
      yield* Effect.provide(ProducerLive.make({ group: "orders_producer" }), Context.add(context, Scope.Scope, scope))
      const client = Context.get(context, RemotingClient)
      const persist = client.invokeOneway(bad.address, request(RequestCode.UPDATE_CONSUMER_OFFSET, {}))
      yield* instance.registerConsumer({
        groupName: "orders_consumer",
        persistOffsets: persist,
        data: Effect.succeed({
          groupName: "orders_consumer",
          consumeType: "CONSUME_PASSIVELY",
          messageModel: "CLUSTERING",
          consumeFromWhere: "CONSUME_FROM_LAST_OFFSET",
          unitMode: false,
          subscriptionDataSet: []
        })
      }).pipe(Scope.extend(scope))
      // Four steps, each at most one request's wait: the consumer's last offsets and its unregistration, the
      // producer's unregistration, the instance's (its inner producer group).
      const { millis } = yield* measured(Scope.close(scope, Exit.void))
      withinBound(misbehaviour, millis, 4)
      expect(failureLogged(logs, "unregister failed", bad.address)).toMatch(says)
    }).pipe(Effect.provide(keptLogs(logs)))
  })
})

describe("the shutdown deadline", () => {
  it.scopedLive("ends each shutdown step that waits longer, and says so", () => {
    const logs: Array<Logged> = []
    return Effect.gen(function*() {
      const bad = yield* badPeer("black-holed")
      const scope = yield* Scope.make()
      const slow = { apiTimeoutMillis: 1000, connectTimeoutMillis: 5000, shutdownTimeoutMillis: 400 }
      const { context } = yield* clientFacing(bad.address, scope, slow)
      yield* Effect.provide(ProducerLive.make({ group: "orders_producer" }), Context.add(context, Scope.Scope, scope))
      // Two steps, each ended at 400 ms: the producer's unregistration and the instance's, both waiting for the
      // connection attempt its start made, which has seconds to go.
      const { millis } = yield* measured(Scope.close(scope, Exit.void))
      expect(millis).toBeGreaterThanOrEqual(2 * 400 - 10)
      expect(millis).toBeLessThan(2 * 400 + SLACK)
      expect(
        logs.filter((l) => l.message === "shutdown step given up at the shutdown deadline").map((l) =>
          l.annotations.step
        )
      )
        .toEqual(["producer", "client instance"])
    }).pipe(Effect.provide(keptLogs(logs)))
  })
})
