import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { requestCodeName } from "../protocol/RequestCode.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import {
  defaultRemotingClientConfig,
  RemotingClient,
  type RemotingClientConfig,
  type RemotingClientService
} from "../services/RemotingClient.js"
import { RequestHandlers } from "../services/RequestHandlers.js"
import { RpcHooks } from "../services/RpcHooks.js"
import { type ConnectionEvent, serveBrokerRequests } from "./remoting/BrokerRequests.js"
import { type CallContext, makeInvoke } from "./remoting/Calls.js"
import { makeCallSpans, makeTimeoutMillisOf } from "./remoting/CallSpans.js"
import { Connector } from "./remoting/Connector.js"
import { startDueTimer } from "./remoting/DueTimer.js"
import { makeFraming } from "./remoting/Framing.js"
import { makeInvokeNameServer } from "./remoting/NameServerCalls.js"
import { makeInvokeOneway } from "./remoting/Oneway.js"
import { PermitPool } from "./remoting/PermitPool.js"
import * as Metrics from "./remoting/RemotingMetrics.js"
import { CallMetrics, NO_LABELS } from "./remoting/RemotingMetrics.js"
import { TimedWaits } from "./remoting/TimedWaits.js"
import { tracerInstalled } from "./Tracing.js"

/** The name of a request code in metric labels and span names. */
const codeLabel = (code: number) => requestCodeName(code) ?? String(code)

/**
 * Builds the transport in the current scope: closing the scope closes every connection (calls in flight fail) and
 * interrupts every handler fiber.
 *
 * Every wait of a call has its deadline, kept by the timeout sweeper (one fiber on `Clock`) and not by interrupting
 * the caller, so it holds whatever the caller's interruptibility: the wait for a permit and for a connection end at
 * the call's deadline (the connection wait sooner when the call gives a `connectTimeout`), a connection attempt
 * ends at the transport's connect timeout (its socket destroyed), a call in flight at its deadline.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options?: Partial<RemotingClientConfig>
): Effect.Effect<RemotingClientService, never, Scope.Scope | RpcHooks | RequestHandlers | NameServerAddresses> =>
  Effect.gen(function*() {
    const config: RemotingClientConfig = { ...defaultRemotingClientConfig, ...options }
    const hooks = yield* RpcHooks
    const clock = yield* Effect.clock
    const tracer = yield* Effect.tracer
    const tracing = yield* tracerInstalled
    const nameServers = yield* NameServerAddresses
    const asyncPermits = new PermitPool(config.permitsAsync)
    const onewayPermits = new PermitPool(config.permitsOneway)
    const events = yield* Queue.unbounded<ConnectionEvent>()
    const metrics = new CallMetrics(codeLabel)

    // Deadlines besides the calls in flight: connection attempts, and callers waiting for a connection or a permit.
    const waits = new TimedWaits((deadline) => deadlineRegistered(deadline))
    const connector = new Connector({
      connectTimeoutMillis: Duration.toMillis(config.connectTimeout),
      maxFrameLength: config.maxFrameLength,
      tls: config.tls,
      waits,
      now: () => clock.unsafeCurrentTimeMillis(),
      events: {
        onRequest: (connection, command) => events.unsafeOffer({ _tag: "Request", connection, command }),
        onUnmatchedResponse: () => Metrics.lateResponses.unsafeUpdate(1, NO_LABELS),
        onClose: (connection, error) => events.unsafeOffer({ _tag: "Closed", connection, error })
      },
      onConnected: (connection) => events.unsafeOffer({ _tag: "Connected", connection })
    })

    // The timeout sweeper (Java: `scanResponseTable`): while anything waits with a deadline it sleeps until the
    // earliest (Clock time), ends what is past its deadline, and sleeps again. An earlier deadline wakes it.
    const deadlineRegistered = yield* startDueTimer((now) => Math.min(connector.expireCalls(now), waits.expire(now)))

    const timeoutMillisOf = makeTimeoutMillisOf(config.defaultTimeout)
    const framing = makeFraming(config)
    const context: CallContext = {
      clock,
      hooks,
      connector,
      waits,
      framing,
      metrics,
      spans: makeCallSpans(tracer, clock, metrics, codeLabel),
      tracing,
      timeoutMillisOf
    }
    const invoke = makeInvoke(context, asyncPermits, deadlineRegistered)
    const invokeOneway = makeInvokeOneway(context, onewayPermits)
    const invokeNameServer = yield* makeInvokeNameServer(invoke, nameServers, clock, timeoutMillisOf)

    // Requests from brokers are answered in fibers of their own; connections opened and closed are logged.
    yield* serveBrokerRequests({
      events,
      handlers: yield* RequestHandlers,
      frameOf: framing.frameOf,
      countServerRequest: (code) => metrics.countServerRequest(code),
      codeLabel
    })

    // Closing the scope closes every connection (calls in flight fail) and gives up connections being opened.
    yield* Effect.addFinalizer(() => Effect.sync(() => connector.close("client closed")))

    const closeConnection: RemotingClientService["closeConnection"] = (address) =>
      Effect.sync(() => connector.open.get(address)?.close("closed by the client"))

    const connectedAddresses = Effect.sync(() => [...connector.open.keys()])

    return { invoke, invokeOneway, invokeNameServer, closeConnection, connectedAddresses }
  })

/**
 * The transport as a layer, with the given settings over Java's defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: Partial<RemotingClientConfig>
): Layer.Layer<RemotingClient, never, RpcHooks | RequestHandlers | NameServerAddresses> =>
  Layer.scoped(RemotingClient, make(options))
