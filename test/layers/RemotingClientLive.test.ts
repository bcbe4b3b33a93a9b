import { describe, expect, it } from "@effect/vitest"
import {
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  FastCheck as fc,
  Fiber,
  Layer,
  Metric,
  Redacted,
  Scope,
  TestClock
} from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import * as Metrics from "../../src/layers/remoting/RemotingMetrics.js"
import * as RemotingClientLive from "../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../src/layers/RequestHandlersLive.js"
import { type RemotingCommand, request, response } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { aclRpcHook, signature } from "../../src/services/AclCredentials.js"
import { NameServerAddresses } from "../../src/services/NameServerAddresses.js"
import {
  RemotingClient,
  type RemotingClientConfig,
  RemotingConnectError,
  RemotingConnectionError,
  RemotingTimeoutError
} from "../../src/services/RemotingClient.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { type RpcHook, RpcHooks } from "../../src/services/RpcHooks.js"
import { fixtureDir } from "../fixtures.js"
import { eventually, fibersSettle, waitingOrDone } from "../support/Eventually.js"
import { recordingTracer } from "../support/RecordingTracer.js"
import { type OnRequest, scriptedPeer } from "../support/ScriptedPeer.js"

const clientLayer = (
  options: {
    readonly config?: Partial<RemotingClientConfig>
    readonly nameServers?: ReadonlyArray<string>
    readonly hooks?: ReadonlyArray<RpcHook>
  } = {}
) =>
  RemotingClientLive.layer(options.config).pipe(
    Layer.provideMerge(RequestHandlersLive),
    Layer.provide(RpcHooks.layer(options.hooks ?? [])),
    Layer.provide(NameServerAddresses.fixed(options.nameServers ?? []))
  )

/** Waits until the condition holds (polled, bounded); for what the peer sees, which no Effect clock drives. */
const until = (condition: () => boolean, what: string) => eventually(condition, { what })

const echo: OnRequest = (command, peer) =>
  peer.send(response(command, ResponseCode.SUCCESS, { extFields: { ...command.extFields } }))

/** A peer that echoes every request but those with queueId 1, whose answers it holds until told to send them. */
const holdingPeer = Effect.gen(function*() {
  const held: Array<() => void> = []
  const peer = yield* scriptedPeer((command, connection) => {
    if (command.extFields!.queueId === "1") held.push(() => echo(command, connection))
    else echo(command, connection)
  })
  return { held, peer }
})

const ping = (n: number) => request(RequestCode.GET_MAX_OFFSET, { topic: "T", queueId: String(n) })

describe("RemotingClient against a scripted peer", () => {
  it.scoped("a request gets its response, with version 409 and the JSON header by default", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      const answer = yield* client.invoke(peer.address, ping(7))
      expect(answer.code).toBe(ResponseCode.SUCCESS)
      expect(answer.extFields).toEqual({ topic: "T", queueId: "7" })
      expect(peer.received[0]).toMatchObject({ version: 409, language: "JAVA", serializeType: "JSON", flag: 0 })
      expect(yield* client.connectedAddresses).toEqual([peer.address])
    }).pipe(Effect.provide(clientLayer())))

  it.effect.prop(
    "10,000 concurrent requests answered in random order each get their own response",
    [fc.integer()],
    ([seed]) =>
      Effect.gen(function*() {
        const n = 10_000
        const waiting: Array<[RemotingCommand, (c: RemotingCommand) => void]> = []
        const peer = yield* scriptedPeer((command, connection) => {
          waiting.push([command, connection.send])
          if (waiting.length === n) {
            let state = seed
            for (let i = waiting.length - 1; i > 0; i--) {
              state = (Math.imul(state, 1103515245) + 12345) | 0
              const j = Math.abs(state) % (i + 1)
              ;[waiting[i], waiting[j]] = [waiting[j]!, waiting[i]!]
            }
            for (const [c, send] of waiting) send(response(c, 0, { extFields: { echo: c.extFields!.queueId! } }))
          }
        })
        const client = yield* RemotingClient
        const answers = yield* Effect.forEach(
          Array.from({ length: n }, (_, i) => i),
          (i) => Effect.map(client.invoke(peer.address, ping(i), "60 seconds"), (r) => r.extFields!.echo),
          { concurrency: "unbounded" }
        )
        expect(answers).toEqual(Array.from({ length: n }, (_, i) => String(i)))
      }).pipe(Effect.provide(clientLayer()), Effect.scoped),
    { fastCheck: { numRuns: 3 } }
  )

  it.scoped("a call with no answer fails alone with RemotingTimeoutError; its late response is dropped and counted", () =>
    Effect.gen(function*() {
      const { held, peer } = yield* holdingPeer
      const client = yield* RemotingClient
      const late = yield* Metric.value(Metrics.lateResponses)
      const timeouts = Metrics.requestFailures.pipe(Metric.tagged("error", "RemotingTimeoutError"))
      const timeoutsBefore = (yield* Metric.value(timeouts)).count
      const slow = yield* Effect.fork(client.invoke(peer.address, ping(1), "3 seconds"))
      yield* until(() => held.length === 1, "the peer holds the request")
      yield* TestClock.adjust("3 seconds")
      const failure = yield* Fiber.join(slow).pipe(Effect.flip)
      expect(failure).toBeInstanceOf(RemotingTimeoutError)
      expect(failure).toMatchObject({ address: peer.address, code: RequestCode.GET_MAX_OFFSET, timeoutMillis: 3000 })
      expect((yield* Metric.value(timeouts)).count).toBe(timeoutsBefore + 1)
      // The connection is fine: another call on it succeeds, and the late answer is only counted.
      expect((yield* client.invoke(peer.address, ping(2))).extFields!.queueId).toBe("2")
      held[0]!()
      yield* until(() => peer.received.length === 2, "both requests arrived")
      yield* eventually(
        Effect.map(Metric.value(Metrics.lateResponses), (after) => after.count === late.count + 1),
        { what: "the late response is counted" }
      )
      yield* fibersSettle()
      const after = yield* Metric.value(Metrics.lateResponses)
      expect(after.count).toBe(late.count + 1)
      expect((yield* Metric.value(Metrics.requestsInFlight)).value).toBe(0)
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("when the peer closes mid-response, every call in flight fails with RemotingConnectionError", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer((command, connection) => {
        if (command.extFields!.queueId !== "3") return
        const frame = Buffer.from(JSON.stringify({ partial: true }))
        connection.socket.write(Buffer.concat([Buffer.from([0, 0, 1, 0]), frame]))
        connection.socket.end()
      })
      const client = yield* RemotingClient
      const calls = yield* Effect.forEach([1, 2, 3], (i) => Effect.fork(client.invoke(peer.address, ping(i))))
      const failures = yield* Effect.forEach(calls, (f) => Fiber.join(f).pipe(Effect.flip))
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(RemotingConnectionError)
        expect(failure).toMatchObject({ address: peer.address })
      }
      expect(yield* client.connectedAddresses).toEqual([])
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("a garbage frame closes that connection with a protocol error; other connections go on", () =>
    Effect.gen(function*() {
      const bad = yield* scriptedPeer((_, connection) => connection.socket.write(Buffer.from("GET / HTTP/1.1\r\n\r\n")))
      const good = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      yield* client.invoke(good.address, ping(1))
      const failure = yield* client.invoke(bad.address, ping(1)).pipe(Effect.flip)
      expect(failure).toBeInstanceOf(RemotingConnectionError)
      expect((failure as RemotingConnectionError).reason).toContain("protocol error")
      expect((yield* client.invoke(good.address, ping(2))).extFields!.queueId).toBe("2")
      expect(yield* client.connectedAddresses).toEqual([good.address])
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("after the peer restarts, the next call reconnects", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      yield* client.invoke(peer.address, ping(1))
      yield* Effect.promise(() => peer.stop())
      yield* until(() => peer.connections.size === 0, "the peer is down")
      yield* eventually(
        Effect.map(client.connectedAddresses, (addresses) => addresses.length === 0),
        { what: "the client has seen its connection closed" }
      )
      const down = yield* client.invoke(peer.address, ping(2)).pipe(Effect.flip)
      expect(down).toBeInstanceOf(RemotingConnectError)
      yield* Effect.promise(() => peer.start())
      expect((yield* client.invoke(peer.address, ping(3))).extFields!.queueId).toBe("3")
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("requests from the broker reach their handler; unknown codes get REQUEST_CODE_NOT_SUPPORTED", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      const handlers = yield* RequestHandlers
      const notified = yield* Deferred.make<string>()
      yield* handlers.register(
        RequestCode.NOTIFY_CONSUMER_IDS_CHANGED,
        (command) => Deferred.succeed(notified, command.extFields!.consumerGroup!).pipe(Effect.as(undefined))
      )
      yield* handlers.register(
        RequestCode.GET_CONSUMER_RUNNING_INFO,
        (command) => Effect.succeed(response(command, ResponseCode.SUCCESS, { body: Buffer.from("{}") }))
      )
      yield* handlers.register(RequestCode.CONSUME_MESSAGE_DIRECTLY, () => Effect.die("handler exploded"))
      yield* client.invoke(peer.address, ping(1))
      const [broker] = [...peer.connections]
      broker!.send(
        request(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: "g1" }, { opaque: 500, oneway: true })
      )
      broker!.send(
        request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: "g1", clientId: "c" }, { opaque: 501 })
      )
      broker!.send(request(9999, {}, { opaque: 502 }))
      broker!.send(request(RequestCode.CONSUME_MESSAGE_DIRECTLY, { consumerGroup: "g1" }, { opaque: 503 }))
      expect(yield* Deferred.await(notified)).toBe("g1")
      yield* until(() => peer.responses.length === 3, "three answers")
      const byOpaque = new Map(peer.responses.map((r) => [r.opaque, r]))
      expect(byOpaque.has(500)).toBe(false)
      expect(byOpaque.get(501)).toMatchObject({ code: 0, flag: 1 })
      expect(Buffer.from(byOpaque.get(501)!.body!).toString()).toBe("{}")
      expect(byOpaque.get(502)).toMatchObject({
        code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
        flag: 1,
        remark: " request type 9999 not supported"
      })
      expect(byOpaque.get(503)).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, flag: 1 })
      expect(byOpaque.get(503)!.remark).toContain("handler exploded")
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("a oneway request carries the oneway flag and waits for no response", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(() => undefined)
      const client = yield* RemotingClient
      yield* client.invokeOneway(peer.address, request(RequestCode.UPDATE_CONSUMER_OFFSET, { commitOffset: "5" }))
      yield* until(() => peer.received.length === 1, "the oneway request arrived")
      expect(peer.received[0]!.flag).toBe(2)
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("in-flight requests are bounded: excess calls wait for a permit and are not dropped", () =>
    Effect.gen(function*() {
      // The peer holds every request until the test answers it: the ones it holds are the calls in flight.
      let unanswered = 0
      let most = 0
      const held: Array<() => void> = []
      const peer = yield* scriptedPeer((command, connection) => {
        most = Math.max(most, ++unanswered)
        held.push(() => {
          unanswered--
          echo(command, connection)
        })
      })
      const client = yield* RemotingClient
      const calls = yield* Effect.fork(Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (i) => Effect.map(client.invoke(peer.address, ping(i)), (r) => r.extFields!.queueId),
        { concurrency: "unbounded" }
      ))
      // Each round: as many requests as there are permits (3) reach the peer, no more, and are answered together.
      for (let answered = 0; answered < 20;) {
        const expected = Math.min(3, 20 - answered)
        yield* until(() => held.length >= expected, `${expected} more requests reached the peer (${answered} answered)`)
        expect(held.length).toBeLessThanOrEqual(3)
        const round = held.splice(0)
        answered += round.length
        for (const answer of round) answer()
      }
      const answers = yield* Fiber.join(calls)
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => String(i)))
      expect(peer.received).toHaveLength(20)
      expect(most).toBe(3)
    }).pipe(Effect.provide(clientLayer({ config: { permitsAsync: 3 } }))))

  it.scoped(
    "an interrupted call stops its caller at once; its slot stays taken until its response comes, as in Java's response table",
    () =>
      Effect.gen(function*() {
        const { held, peer } = yield* holdingPeer
        const client = yield* RemotingClient
        const late = (yield* Metric.value(Metrics.lateResponses)).count
        const first = yield* Effect.fork(client.invoke(peer.address, ping(1)))
        yield* until(() => held.length === 1, "the peer holds the request")
        yield* Fiber.interrupt(first)
        expect(Exit.isInterrupted(yield* Fiber.await(first))).toBe(true)
        expect((yield* Metric.value(Metrics.requestsInFlight)).value).toBe(1)
        // The one permit is still taken: the next call waits for the first response. Once its fiber has stopped to
        // wait, had it been sent it would be in flight (the gauge, updated a microtask after, would say 2).
        const second = yield* Effect.fork(client.invoke(peer.address, ping(2)))
        yield* eventually(waitingOrDone(second), { what: "the second call waits" })
        yield* fibersSettle()
        expect(second.unsafePoll()).toBeNull()
        expect((yield* Metric.value(Metrics.requestsInFlight)).value).toBe(1)
        expect(peer.received).toHaveLength(1)
        held[0]!()
        expect((yield* Fiber.join(second)).extFields!.queueId).toBe("2")
        expect((yield* Metric.value(Metrics.requestsInFlight)).value).toBe(0)
        expect((yield* Metric.value(Metrics.lateResponses)).count).toBe(late)
      }).pipe(Effect.provide(clientLayer({ config: { permitsAsync: 1 } })))
  )

  it.effect("name-server calls fail over to the next address when one cannot be reached", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const closed = yield* scriptedPeer(echo)
      const closedAddress = closed.address
      yield* Effect.promise(() => closed.stop())
      const answer = yield* Effect.gen(function*() {
        const client = yield* RemotingClient
        const first = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" }))
        const second = yield* client.invokeNameServer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "U" }))
        return [first, second]
      }).pipe(Effect.provide(clientLayer({ nameServers: [closedAddress, peer.address] })))
      expect(answer.map((a) => a.extFields!.topic)).toEqual(["T", "U"])
      expect(peer.received).toHaveLength(2)
    }).pipe(Effect.scoped))

  it.effect("with no name server known, a name-server call is a NoNameServerError", () =>
    Effect.gen(function*() {
      const client = yield* RemotingClient
      const error = yield* client.invokeNameServer(request(105, { topic: "T" })).pipe(Effect.flip)
      expect(error._tag).toBe("NoNameServerError")
    }).pipe(Effect.provide(clientLayer()), Effect.scoped))

  it.effect("closing the scope closes every socket, fails calls in flight and interrupts handler fibers", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer((command, connection) => {
        if (command.extFields!.queueId === "1") echo(command, connection)
      })
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(clientLayer(), scope)
      const client = Context.get(context, RemotingClient)
      const handlers = Context.get(context, RequestHandlers)
      const interrupted = yield* Deferred.make<void>()
      const started = yield* Deferred.make<void>()
      yield* handlers.register(
        RequestCode.GET_CONSUMER_RUNNING_INFO,
        () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
          )
      ).pipe(Scope.extend(scope))
      yield* client.invoke(peer.address, ping(1))
      const stuck = yield* Effect.fork(client.invoke(peer.address, ping(2), "1 hour"))
      ;[...peer.connections][0]!.send(request(RequestCode.GET_CONSUMER_RUNNING_INFO, {}, { opaque: 9 }))
      yield* Deferred.await(started)
      yield* Scope.close(scope, Exit.void)
      expect(yield* Fiber.join(stuck).pipe(Effect.flip)).toBeInstanceOf(RemotingConnectionError)
      yield* Deferred.await(interrupted)
      yield* until(() => peer.connections.size === 0, "the peer sees every socket closed")
      expect(yield* client.connectedAddresses).toEqual([])
    }).pipe(Effect.scoped))

  it.scoped("the ACL hook signs what goes on the wire", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const secretKey = Redacted.make("fixtureSecretKey42")
      yield* Effect.flatMap(RemotingClient, (client) =>
        client.invoke(peer.address, { ...ping(4), body: Buffer.from("x") }))
        .pipe(Effect.provide(clientLayer({ hooks: [aclRpcHook({ accessKey: "fixtureAccessKey", secretKey })] })))
      const sent = peer.received[0]!
      expect(sent.extFields!.AccessKey).toBe("fixtureAccessKey")
      expect(sent.extFields!.Signature).toBe(signature(sent.extFields!, sent.body, secretKey))
    }))

  it.effect("a client whose scope has closed fails calls at once instead of hanging", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* Effect.provide(RemotingClient, clientLayer())
      const error = yield* client.invoke(peer.address, ping(1)).pipe(Effect.flip)
      expect(error).toBeInstanceOf(RemotingConnectError)
      expect(error.message).toContain("the client is closed")
    }).pipe(Effect.scoped))

  it.scoped("a request over the maximum frame size is refused before it is sent", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      const error = yield* client.invoke(peer.address, { ...ping(1), body: Buffer.alloc(2048) }).pipe(Effect.flip)
      expect(error._tag).toBe("ProtocolError")
      expect(peer.received).toHaveLength(0)
    }).pipe(Effect.provide(clientLayer({ config: { maxFrameLength: 1024 } }))))

  it.scoped("every call is a span named after its request code, under the caller's span", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const { spans, tracer } = recordingTracer()
      yield* Effect.flatMap(RemotingClient, (client) => client.invoke(peer.address, ping(1))).pipe(
        Effect.withSpan("user operation"),
        Effect.provide(clientLayer().pipe(Layer.provide(Layer.setTracer(tracer)))),
        Effect.withTracer(tracer)
      )
      const call = spans.find((s) => s.name === "RemotingClient.invoke GET_MAX_OFFSET")!
      expect(call.ended).toBe(true)
      expect(call.attributes.get("rocketmq.address")).toBe(peer.address)
      expect(call.attributes.get("rocketmq.request_code")).toBe(30)
      expect(call.parent).toBe(`span-${spans.findIndex((s) => s.name === "user operation") + 1}`)
    }))

  it.scoped("calls are counted by request code", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo)
      const client = yield* RemotingClient
      const counter = Metrics.requestsSent.pipe(Metric.tagged("code", "GET_MAX_OFFSET"))
      const before = (yield* Metric.value(counter)).count
      yield* client.invoke(peer.address, ping(1))
      yield* client.invoke(peer.address, ping(2))
      expect((yield* Metric.value(counter)).count).toBe(before + 2)
    }).pipe(Effect.provide(clientLayer())))

  it.scoped("answered calls add their round trip (write to response bytes) to the latency histogram", () =>
    Effect.gen(function*() {
      // The peer holds each request until the test answers it, and says for how long it held it (real time, as the
      // round trip is measured): each round trip is at least that, and at most the whole of the calls.
      const held: Array<() => number> = []
      const peer = yield* scriptedPeer((command, connection) => {
        const receivedAt = performance.now()
        held.push(() => {
          const answeredAt = performance.now()
          echo(command, connection)
          return answeredAt - receivedAt
        })
      })
      const client = yield* RemotingClient
      const before = yield* Metric.value(Metrics.roundTrip)
      const startedAt = performance.now()
      const calls = yield* Effect.fork(
        Effect.forEach([1, 2, 3], (i) => client.invoke(peer.address, ping(i)), { concurrency: "unbounded" })
      )
      yield* until(() => held.length === 3, "the peer holds the three requests")
      const heldFor = held.map((answer) => answer())
      yield* Fiber.join(calls)
      const elapsed = performance.now() - startedAt
      const after = yield* Metric.value(Metrics.roundTrip)
      expect(after.count).toBe(before.count + 3)
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(heldFor.reduce((a, b) => a + b, 0))
      expect(after.sum - before.sum).toBeLessThanOrEqual(3 * elapsed)
      expect(after.max).toBeGreaterThanOrEqual(Math.max(...heldFor))
    }).pipe(Effect.provide(clientLayer())))
})

describe("RemotingClient over TLS", () => {
  const tlsDir = join(fixtureDir, "..", "tls")
  const serverTls = {
    key: readFileSync(join(tlsDir, "server.key")),
    cert: readFileSync(join(tlsDir, "server.pem"))
  }
  const ca = readFileSync(join(tlsDir, "ca.pem"))

  it.scoped("connects over TLS and verifies the server against the given CA", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo, { tls: serverTls })
      const answer = yield* Effect.flatMap(RemotingClient, (client) => client.invoke(peer.address, ping(5))).pipe(
        Effect.provide(clientLayer({ config: { tls: { ca, rejectUnauthorized: true, servername: "localhost" } } }))
      )
      expect(answer.extFields!.queueId).toBe("5")
      expect(peer.received[0]!.extFields!.queueId).toBe("5")
    }))

  it.scoped("refuses a server its CA does not vouch for when verification is on", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo, { tls: serverTls })
      const error = yield* Effect.flatMap(RemotingClient, (client) => client.invoke(peer.address, ping(5))).pipe(
        Effect.provide(clientLayer({ config: { tls: { rejectUnauthorized: true } } })),
        Effect.flip
      )
      expect(error).toBeInstanceOf(RemotingConnectError)
      expect(peer.received).toHaveLength(0)
    }))

  it.scoped("a plain-TCP client cannot talk to a TLS peer: a typed error, not a hang", () =>
    Effect.gen(function*() {
      const peer = yield* scriptedPeer(echo, { tls: serverTls })
      const client = yield* RemotingClient
      const fiber = yield* Effect.fork(client.invoke(peer.address, ping(5), Duration.seconds(3)))
      // The call has taken its deadline from the TestClock once its fiber waits (for the connection or the answer).
      yield* eventually(waitingOrDone(fiber), { what: "the call waits, or has failed" })
      yield* TestClock.adjust("3 seconds")
      const error = yield* Fiber.join(fiber).pipe(Effect.flip)
      expect(["RemotingConnectionError", "RemotingTimeoutError"]).toContain(error._tag)
    }).pipe(Effect.provide(clientLayer())))
})
