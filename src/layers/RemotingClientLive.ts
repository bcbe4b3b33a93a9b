import { Duration, Effect, Exit, Layer, Queue, type Scope, type Tracer } from "effect"
import { ProtocolError } from "../protocol/ProtocolError.js"
import { encodeFrameParts, Flag, type FrameParts, type RemotingCommand } from "../protocol/RemotingCommand.js"
import { requestCodeName } from "../protocol/RequestCode.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import {
  defaultRemotingClientConfig,
  RemotingClient,
  type RemotingClientConfig,
  type RemotingClientService,
  RemotingConnectError,
  RemotingConnectionError,
  type RemotingError,
  RemotingTimeoutError
} from "../services/RemotingClient.js"
import { RequestHandlers } from "../services/RequestHandlers.js"
import { RpcHooks, runAfterResponse, runBeforeRequest } from "../services/RpcHooks.js"
import { type ConnectionEvent, serveBrokerRequests } from "./remoting/BrokerRequests.js"
import { makeCallSpans, makeTimeoutMillisOf } from "./remoting/CallSpans.js"
import type { Connection, PendingCall } from "./remoting/Connection.js"
import { Connector } from "./remoting/Connector.js"
import { startDueTimer } from "./remoting/DueTimer.js"
import type { WriteBatch } from "./remoting/FrameWriter.js"
import { makeInvokeNameServer } from "./remoting/NameServerCalls.js"
import { PermitPool } from "./remoting/PermitPool.js"
import * as Metrics from "./remoting/RemotingMetrics.js"
import { CallMetrics, NO_LABELS } from "./remoting/RemotingMetrics.js"
import { type TimedWait, TimedWaits } from "./remoting/TimedWaits.js"
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
    let opaque = 0

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

    const timedOut = (address: string, code: number, timeoutMillis: number) => () =>
      new RemotingTimeoutError({ address, code, timeoutMillis })
    const notConnected = (address: string, waitedMillis: number) => () =>
      new RemotingConnectError({ address, reason: `not connected within ${waitedMillis} ms` })

    const prepare = (request: RemotingCommand, flag: number): RemotingCommand => ({
      code: request.code,
      language: config.language,
      version: config.version,
      opaque: (opaque = (opaque + 1) | 0),
      flag,
      remark: request.remark,
      extFields: request.extFields,
      body: request.body,
      serializeType: config.serializeType
    })

    const frameOf = (command: RemotingCommand, address: string): Effect.Effect<FrameParts, ProtocolError> => {
      const frame = encodeFrameParts(command)
      return frame.length > config.maxFrameLength
        ? Effect.fail(
          new ProtocolError({
            reason:
              `request ${command.code} to ${address} is a frame of ${frame.length} bytes, over the maximum of ${config.maxFrameLength}`,
            offset: 0
          })
        )
        : Effect.succeed(frame)
    }

    const { observeExit, startSpan } = makeCallSpans(tracer, clock, metrics, codeLabel)

    /**
     * A call in the pending table: one object per call, whose `resume` ends it (response, timeout or lost
     * connection), updates the metrics, gives back its permit and resumes the caller.
     */
    class InFlightCall implements PendingCall {
      resumeCaller: ((exit: Exit.Exit<RemotingCommand, RemotingError>) => void) | undefined = undefined
      batch: WriteBatch | undefined = undefined
      constructor(
        readonly deadline: number,
        readonly code: number,
        readonly timeoutMillis: number,
        readonly permitHeld: boolean,
        readonly observed: { readonly span: Tracer.Span | undefined } | undefined
      ) {}

      resume(exit: Exit.Exit<RemotingCommand, RemotingError>, receivedAt?: number): void {
        metrics.callEnded()
        if (this.permitHeld) asyncPermits.release()
        // The round trip: from the write of the call's batch to the arrival of the bytes that hold its response.
        if (receivedAt !== undefined && this.batch !== undefined && Exit.isSuccess(exit)) {
          Metrics.roundTrip.unsafeUpdate(receivedAt - this.batch.sentAt, NO_LABELS)
        }
        if (this.observed !== undefined) observeExit(exit, this.observed.span)
        this.resumeCaller!(exit)
      }
    }

    /**
     * Registers a prepared call in the pending table and writes its frame; `resume` is told how it ends. Called from
     * the call's one `Effect.async`: the call is in the pending table (and holds its permit, when `permitHeld`) until
     * the response comes, the connection is lost or the timeout sweeper passes its deadline (Clock milliseconds). An
     * interrupted caller leaves it there until then (Java's response table does the same), so no interruption handler
     * is set up for each call. When `observed` is given, the call's failure is counted and its span (if any) ended
     * then too.
     */
    const send = (
      connection: Connection,
      command: RemotingCommand,
      frame: FrameParts,
      deadline: number,
      timeoutMillis: number,
      permitHeld: boolean,
      observed: { readonly span: Tracer.Span | undefined } | undefined,
      resume: (exit: Exit.Exit<RemotingCommand, RemotingError>) => void
    ): void => {
      const call = new InFlightCall(deadline, command.code, timeoutMillis, permitHeld, observed)
      call.resumeCaller = resume
      connection.pending.set(command.opaque, call)
      metrics.callStarted()
      deadlineRegistered(deadline)
      call.batch = connection.write(frame)
    }

    const timeoutMillisOf = makeTimeoutMillisOf(config.defaultTimeout)

    /**
     * The general path of a call: hooks run, a permit waited for (until the call's deadline), the connection opened
     * if need be (waited for until `connectBy`).
     */
    const invokeGeneral = (
      address: string,
      request: RemotingCommand,
      deadline: number,
      timeoutMillis: number,
      connectBy: number,
      connectMillis: number
    ): Effect.Effect<RemotingCommand, RemotingError> =>
      (hooks.length === 0 ? Effect.succeed(request) : runBeforeRequest(hooks, address, request)).pipe(
        Effect.flatMap((hooked) =>
          // The permit is taken here and given back by the call once it is answered, fails or times out; a call whose
          // caller is interrupted keeps it until then, as Java's response table keeps the call's future.
          Effect.uninterruptibleMask((restore) =>
            Effect.zipRight(
              restore(asyncPermits.takeUntil(waits, deadline, timedOut(address, request.code, timeoutMillis))),
              restore(
                Effect.flatMap(
                  connector.connectionTo(address, connectBy, notConnected(address, connectMillis)),
                  (connection) =>
                    Effect.suspend((): Effect.Effect<
                      readonly [Connection, RemotingCommand, FrameParts],
                      RemotingError | ProtocolError
                    > => {
                      if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
                      if (clock.unsafeCurrentTimeMillis() >= deadline) {
                        return Effect.fail(new RemotingTimeoutError({ address, code: request.code, timeoutMillis }))
                      }
                      const command = prepare(hooked, hooked.flag & ~(Flag.ONEWAY | Flag.RESPONSE))
                      return Effect.map(frameOf(command, address), (frame) => [connection, command, frame] as const)
                    })
                )
              ).pipe(
                Effect.onError(() => Effect.sync(() => asyncPermits.release())),
                Effect.flatMap(([connection, command, frame]) =>
                  restore(
                    Effect.map(
                      Effect.async<RemotingCommand, RemotingError>((resume) =>
                        send(connection, command, frame, deadline, timeoutMillis, true, undefined, resume)
                      ),
                      (response) => [command, response] as const
                    )
                  )
                )
              )
            )
          )
        ),
        Effect.flatMap(([command, response]) =>
          hooks.length === 0
            ? Effect.succeed(response)
            : Effect.as(runAfterResponse(hooks, address, command, response), response)
        )
      )

    /**
     * A call as one `Effect.async`. Most calls take the fast path (an open connection, no hooks, a free permit): the
     * call is registered and its frame written at once. Any other goes the general way, which the async resumes with.
     */
    const untraced = { span: undefined }
    const observing = (span: Tracer.Span | undefined) => span === undefined ? untraced : { span }

    const call = (
      address: string,
      request: RemotingCommand,
      timeoutMillis: number,
      connectMillis: number,
      span: Tracer.Span | undefined
    ) =>
      Effect.async<RemotingCommand, RemotingError>((resume) => {
        metrics.countSent(request.code)
        const now = clock.unsafeCurrentTimeMillis()
        const deadline = now + timeoutMillis
        const connection = connector.open.get(address)
        if (
          hooks.length === 0 && connection?.closedBy === undefined && connection !== undefined && asyncPermits.tryTake()
        ) {
          const command = prepare(request, request.flag & ~(Flag.ONEWAY | Flag.RESPONSE))
          const frame = encodeFrameParts(command)
          if (frame.length <= config.maxFrameLength) {
            return send(connection, command, frame, deadline, timeoutMillis, true, observing(span), resume)
          }
          asyncPermits.release()
        }
        resume(
          invokeGeneral(address, request, deadline, timeoutMillis, now + connectMillis, connectMillis).pipe(
            Effect.onExit((exit) => Effect.sync(() => observeExit(exit, span)))
          )
        )
      })

    const invoke: RemotingClientService["invoke"] = (address, request, timeout, invokeOptions) => {
      const timeoutMillis = timeoutMillisOf(timeout)
      const connectMillis = invokeOptions?.connectTimeout === undefined
        ? timeoutMillis
        : Math.min(timeoutMillis, timeoutMillisOf(invokeOptions.connectTimeout))
      // With a tracer, the span is started under the caller's span, which only the fiber knows.
      return tracing
        ? Effect.withFiberRuntime<RemotingCommand, RemotingError>((fiber) =>
          call(
            address,
            request,
            timeoutMillis,
            connectMillis,
            startSpan(fiber, "RemotingClient.invoke", request.code, address)
          )
        )
        : call(address, request, timeoutMillis, connectMillis, undefined)
    }

    /**
     * Writes a oneway frame. Its permit is given back once the frame has gone to the socket (as Java releases it on
     * write); the caller waits for that until the deadline.
     */
    const writeOneway = (
      connection: Connection,
      frame: FrameParts,
      deadline: number,
      onDeadline: () => RemotingError
    ) =>
      Effect.async<void, RemotingError>((resume) => {
        let waiting = true
        const wait: TimedWait = {
          deadline,
          expire: () => {
            waiting = false
            resume(Effect.fail(onDeadline()))
          }
        }
        connection.write(frame, (error) => {
          onewayPermits.release()
          waits.delete(wait)
          if (!waiting) return
          waiting = false
          resume(
            error
              ? Effect.fail(new RemotingConnectionError({ address: connection.address, reason: error.message }))
              : Effect.void
          )
        })
        waits.add(wait)
        return Effect.sync(() => {
          waiting = false
          waits.delete(wait)
        })
      })

    const invokeOneway: RemotingClientService["invokeOneway"] = (address, request, timeout) => {
      const timeoutMillis = timeoutMillisOf(timeout)
      const oneway = Effect.suspend(() => {
        metrics.countRequest(request.code)
        const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillis
        const onDeadline = timedOut(address, request.code, timeoutMillis)
        return Effect.flatMap(
          runBeforeRequest(hooks, address, request),
          (hooked) =>
            Effect.uninterruptibleMask((restore) =>
              Effect.zipRight(
                restore(onewayPermits.takeUntil(waits, deadline, onDeadline)),
                restore(
                  Effect.flatMap(
                    connector.connectionTo(address, deadline, notConnected(address, timeoutMillis)),
                    (connection) =>
                      Effect.suspend((): Effect.Effect<readonly [Connection, FrameParts], RemotingError> => {
                        if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
                        const command = prepare(hooked, (hooked.flag | Flag.ONEWAY) & ~Flag.RESPONSE)
                        return Effect.map(frameOf(command, address), (frame) => [connection, frame] as const)
                      })
                  )
                ).pipe(
                  Effect.onError(() => Effect.sync(() => onewayPermits.release())),
                  Effect.flatMap(([connection, frame]) => restore(writeOneway(connection, frame, deadline, onDeadline)))
                )
              )
            )
        )
      })
      return Effect.withFiberRuntime<void, RemotingError>((fiber) => {
        const span = tracing ? startSpan(fiber, "RemotingClient.invokeOneway", request.code, address) : undefined
        return Effect.onExit(oneway, (exit) => Effect.sync(() => observeExit(exit, span)))
      })
    }

    const invokeNameServer = yield* makeInvokeNameServer(invoke, nameServers, clock, timeoutMillisOf)

    // Requests from brokers are answered in fibers of their own; connections opened and closed are logged.
    yield* serveBrokerRequests({
      events,
      handlers: yield* RequestHandlers,
      frameOf,
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
