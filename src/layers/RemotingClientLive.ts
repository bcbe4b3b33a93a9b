import type { Metric } from "effect"
import {
  Cause,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  type Fiber,
  FiberId,
  FiberSet,
  Layer,
  MetricLabel,
  Option,
  Queue,
  Ref,
  type Scope,
  Tracer
} from "effect"
import { ProtocolError } from "../protocol/ProtocolError.js"
import {
  encodeFrameParts,
  Flag,
  type FrameParts,
  isOneway,
  type RemotingCommand,
  response as responseTo
} from "../protocol/RemotingCommand.js"
import { requestCodeName } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import {
  defaultRemotingClientConfig,
  NoNameServerError,
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
import { Connection, openSocket, type PendingCall } from "./remoting/Connection.js"
import { startDueTimer } from "./remoting/DueTimer.js"
import type { WriteBatch } from "./remoting/FrameWriter.js"
import { PermitPool } from "./remoting/PermitPool.js"
import * as Metrics from "./remoting/RemotingMetrics.js"
import { tracerInstalled } from "./Tracing.js"

type Incoming =
  | { readonly _tag: "Request"; readonly connection: Connection; readonly command: RemotingCommand }
  | { readonly _tag: "Closed"; readonly connection: Connection; readonly error: RemotingConnectionError }

/** The label list of metrics without labels, one array for every update. */
const NO_LABELS: ReadonlyArray<MetricLabel.MetricLabel> = []

const codeLabel = (code: number) => requestCodeName(code) ?? String(code)

/**
 * Builds the transport in the current scope: closing the scope closes every connection (calls in flight fail) and
 * interrupts every handler fiber.
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
    const handlers = yield* RequestHandlers
    const nameServers = yield* NameServerAddresses
    const scope = yield* Effect.scope
    const asyncPermits = new PermitPool(config.permitsAsync)
    const onewayPermits = new PermitPool(config.permitsOneway)
    const incoming = yield* Queue.unbounded<Incoming>()
    const handlerFibers = yield* FiberSet.make()
    /** Open connections, and connections being opened (callers for the same address wait on the same attempt). */
    const open = new Map<string, Connection>()
    const opening = new Map<string, Deferred.Deferred<Connection, RemotingConnectError>>()
    const chosenNameServer = yield* Ref.make(Option.none<string>())
    let opaque = 0
    let inFlight = 0
    let closed = false

    const events = {
      onRequest: (connection: Connection, command: RemotingCommand) =>
        incoming.unsafeOffer({ _tag: "Request", connection, command }),
      onUnmatchedResponse: () => Metrics.lateResponses.unsafeUpdate(1, NO_LABELS),
      onClose: (connection: Connection, error: RemotingConnectionError) => {
        if (open.get(connection.address) === connection) open.delete(connection.address)
        incoming.unsafeOffer({ _tag: "Closed", connection, error })
      }
    }

    /** The connection to an address: the open one, the one being opened, or a new one. */
    const connectionTo = (address: string): Effect.Effect<Connection, RemotingConnectError> =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(new RemotingConnectError({ address, reason: "the client is closed" }))
        const connection = open.get(address)
        if (connection !== undefined) return Effect.succeed(connection)
        const pending = opening.get(address)
        if (pending !== undefined) return Deferred.await(pending)
        const opened = Deferred.unsafeMake<Connection, RemotingConnectError>(FiberId.none)
        opening.set(address, opened)
        // The attempt runs in the client's scope, so a caller giving up does not leave other waiters hanging.
        return openSocket(address, config.connectTimeout, config.tls).pipe(
          Effect.map((socket) => {
            const connection = new Connection(address, socket, config.maxFrameLength, events)
            open.set(address, connection)
            return connection
          }),
          Effect.tap(() => Effect.logDebug("connected").pipe(Effect.annotateLogs({ address }))),
          Effect.exit,
          Effect.flatMap((exit) => {
            opening.delete(address)
            return Deferred.done(opened, exit)
          }),
          Effect.forkIn(scope),
          Effect.zipRight(Deferred.await(opened))
        )
      })

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

    /** Starts a client span on the tracer, under the caller's current span. */
    const startSpan = (fiber: Fiber.RuntimeFiber<unknown, unknown>, name: string, code: number, address: string) => {
      const parent = Context.getOption(fiber.currentContext, Tracer.ParentSpan)
      const span = tracer.span(
        `${name} ${codeLabel(code)}`,
        parent,
        Context.empty(),
        [],
        clock.unsafeCurrentTimeNanos(),
        "client"
      )
      span.attribute("rocketmq.address", address)
      span.attribute("rocketmq.request_code", code)
      return span
    }

    /** Counts a failed call and ends its span, when there is one. */
    const observeExit = (exit: Exit.Exit<unknown, RemotingError>, span: Tracer.Span | undefined) => {
      if (Exit.isFailure(exit)) {
        const failure = Cause.failureOption(exit.cause)
        if (Option.isSome(failure)) countFailureOf(failure.value._tag)
      }
      span?.end(clock.unsafeCurrentTimeNanos(), exit)
    }

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
        inFlight--
        metricsChanged()
        if (this.permitHeld) asyncPermits.release()
        // The round trip: from the write of the call's batch to the arrival of the bytes that hold its response.
        if (receivedAt !== undefined && this.batch !== undefined && Exit.isSuccess(exit)) {
          Metrics.roundTrip.unsafeUpdate(receivedAt - this.batch.sentAt, NO_LABELS)
        }
        if (this.observed !== undefined) observeExit(exit, this.observed.span)
        this.resumeCaller!(exit)
      }
    }

    // The in-flight gauge and the request counters are updated once per batch of calls (a microtask after they start
    // or end), not on every call.
    let metricsScheduled = false
    const sentByCode = new Map<number, number>()
    const publishMetrics = () => {
      metricsScheduled = false
      Metrics.requestsInFlight.unsafeUpdate(inFlight, NO_LABELS)
      for (const [code, count] of sentByCode) countRequest(codeLabel(code), count)
      sentByCode.clear()
    }
    const metricsChanged = () => {
      if (!metricsScheduled) {
        metricsScheduled = true
        queueMicrotask(publishMetrics)
      }
    }
    const countSent = (code: number) => {
      sentByCode.set(code, (sentByCode.get(code) ?? 0) + 1)
      metricsChanged()
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
      inFlight++
      metricsChanged()
      deadlineRegistered(deadline)
      call.batch = connection.write(frame)
    }

    // The timeout sweeper (Java: `scanResponseTable`): while calls are in flight it sleeps until the earliest
    // deadline (Clock time), fails the calls past theirs, and sleeps again. A call with an earlier deadline wakes it.
    const deadlineRegistered = yield* startDueTimer((now) => {
      let earliest = Number.POSITIVE_INFINITY
      for (const connection of open.values()) earliest = Math.min(earliest, connection.expire(now))
      return earliest
    })

    /**
     * Counting by one label on the hot path: each label value keeps one label array, so the metric's hook is looked up
     * once and then found in Effect's per-array cache (`Metric.tagged` makes a new array on every update).
     */
    const countBy = (base: Metric.Metric.Counter<number>, key: string) => {
      const labels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
      return (value: string, count = 1): void => {
        let tags = labels.get(value)
        if (tags === undefined) {
          tags = [MetricLabel.make(key, value)]
          labels.set(value, tags)
        }
        base.unsafeUpdate(count, tags)
      }
    }
    const countRequest = countBy(Metrics.requestsSent, "code")
    const countFailureOf = countBy(Metrics.requestFailures, "error")

    const countServerRequest = countBy(Metrics.serverRequests, "code")

    const timeoutOf = (timeout: Duration.DurationInput | undefined) =>
      timeout === undefined ? config.defaultTimeout : Duration.decode(timeout)

    /** A call's timeout in milliseconds; texts such as "3 seconds" are parsed once, not on every call. */
    const parsedTimeouts = new Map<string, number>()
    const timeoutMillisOf = (timeout: Duration.DurationInput | undefined): number => {
      if (typeof timeout === "number") return timeout
      if (typeof timeout !== "string") return Duration.toMillis(timeoutOf(timeout))
      let millis = parsedTimeouts.get(timeout)
      if (millis === undefined) {
        millis = Duration.toMillis(Duration.decode(timeout))
        if (parsedTimeouts.size >= 64) parsedTimeouts.clear()
        parsedTimeouts.set(timeout, millis)
      }
      return millis
    }

    /**
     * The general path of a call: hooks run, the connection opened if need be, a permit waited for.
     */
    const invokeGeneral = (
      address: string,
      request: RemotingCommand,
      deadline: number,
      timeoutMillis: number
    ): Effect.Effect<RemotingCommand, RemotingError> =>
      (hooks.length === 0 ? Effect.succeed(request) : runBeforeRequest(hooks, address, request)).pipe(
        Effect.flatMap((hooked) =>
          // The permit is taken here and given back by the call once it is answered, fails or times out; a call whose
          // caller is interrupted keeps it until then, as Java's response table keeps the call's future.
          Effect.uninterruptibleMask((restore) =>
            Effect.zipRight(
              restore(asyncPermits.take),
              restore(
                Effect.flatMap(connectionTo(address), (connection) =>
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
                  }))
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

    const call = (address: string, request: RemotingCommand, timeoutMillis: number, span: Tracer.Span | undefined) =>
      Effect.async<RemotingCommand, RemotingError>((resume) => {
        countSent(request.code)
        const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillis
        const connection = open.get(address)
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
          invokeGeneral(address, request, deadline, timeoutMillis).pipe(
            Effect.onExit((exit) => Effect.sync(() => observeExit(exit, span)))
          )
        )
      })

    const invoke: RemotingClientService["invoke"] = (address, request, timeout) => {
      const timeoutMillis = timeoutMillisOf(timeout)
      // With a tracer, the span is started under the caller's span, which only the fiber knows.
      return tracing
        ? Effect.withFiberRuntime<RemotingCommand, RemotingError>((fiber) =>
          call(address, request, timeoutMillis, startSpan(fiber, "RemotingClient.invoke", request.code, address))
        )
        : call(address, request, timeoutMillis, undefined)
    }

    const invokeOneway: RemotingClientService["invokeOneway"] = (address, request, timeout) => {
      const duration = timeoutOf(timeout)
      return Effect.gen(function*() {
        countRequest(codeLabel(request.code))
        const hooked = yield* runBeforeRequest(hooks, address, request)
        yield* onewayPermits.withPermit(
          Effect.flatMap(connectionTo(address), (connection) =>
            Effect.suspend(() => {
              if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
              const command = prepare(hooked, (hooked.flag | Flag.ONEWAY) & ~Flag.RESPONSE)
              return Effect.flatMap(frameOf(command, address), (frame) =>
                // The permit is held until the frame has gone to the socket, as Java releases it on write.
                Effect.async<void, RemotingConnectionError>((resume) => {
                  connection.write(frame, (error) =>
                    resume(
                      error
                        ? Effect.fail(new RemotingConnectionError({ address, reason: error.message }))
                        : Effect.void
                    ))
                }))
            }))
        )
      }).pipe(
        Effect.timeoutFail({
          duration,
          onTimeout: () =>
            new RemotingTimeoutError({ address, code: request.code, timeoutMillis: Duration.toMillis(duration) })
        }),
        (call) =>
          Effect.withFiberRuntime<void, RemotingError>((fiber) => {
            const span = tracing ? startSpan(fiber, "RemotingClient.invokeOneway", request.code, address) : undefined
            return Effect.onExit(call, (exit) => Effect.sync(() => observeExit(exit, span)))
          })
      )
    }

    const invokeNameServer: RemotingClientService["invokeNameServer"] = (request, timeout) =>
      Effect.gen(function*() {
        const addresses = yield* nameServers.get
        if (addresses.length === 0) return yield* new NoNameServerError()
        const chosen = yield* Ref.get(chosenNameServer)
        const at = Option.match(chosen, {
          onNone: () => Math.floor(Math.random() * addresses.length),
          onSome: (a) => Math.max(0, addresses.indexOf(a))
        })
        let lastError: RemotingError | undefined
        for (let i = 0; i < addresses.length; i++) {
          const address = addresses[(at + i) % addresses.length]!
          const result = yield* Effect.either(invoke(address, request, timeout))
          if (result._tag === "Right") {
            yield* Ref.set(chosenNameServer, Option.some(address))
            return result.right
          }
          lastError = result.left
          // Fail over only when the name server could not be reached; any other failure is the answer.
          if (lastError._tag !== "RemotingConnectError" && lastError._tag !== "RemotingConnectionError") break
          yield* Effect.logWarning("name server unreachable, trying the next").pipe(
            Effect.annotateLogs({ address, error: lastError.message })
          )
        }
        return yield* Effect.fail(lastError!)
      })

    /** Answers a request the broker sent, through its registered handler. */
    const answer = (connection: Connection, request: RemotingCommand) => {
      const handler = handlers.lookup(request.code)
      const reply: Effect.Effect<RemotingCommand | undefined> = handler === undefined
        ? Effect.succeed(
          responseTo(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
            remark: ` request type ${request.code} not supported`
          })
        )
        : handler(request, { address: connection.address }).pipe(
          Effect.catchAllDefect((defect) =>
            Effect.logError("request handler failed").pipe(
              Effect.annotateLogs({ address: connection.address, code: request.code, defect: String(defect) }),
              Effect.as(responseTo(request, ResponseCode.SYSTEM_ERROR, { remark: String(defect) }))
            )
          )
        )
      return reply.pipe(
        Effect.flatMap((response) => {
          if (response === undefined || isOneway(request) || connection.closedBy !== undefined) return Effect.void
          const command: RemotingCommand = {
            ...response,
            opaque: request.opaque,
            flag: response.flag | Flag.RESPONSE,
            serializeType: request.serializeType
          }
          return Effect.map(frameOf(command, connection.address), (frame) => connection.write(frame))
        }),
        Effect.catchAll((error) => Effect.logError("cannot answer a broker request", error)),
        Effect.tap(() => countServerRequest(codeLabel(request.code))),
        Effect.withSpan(`RemotingClient.answer ${codeLabel(request.code)}`, {
          kind: "server",
          attributes: { "rocketmq.address": connection.address, "rocketmq.request_code": request.code }
        })
      )
    }

    // Requests from brokers are answered in fibers of their own; connection losses are logged.
    yield* Queue.take(incoming).pipe(
      Effect.flatMap((event) =>
        event._tag === "Request"
          ? FiberSet.run(handlerFibers, answer(event.connection, event.command))
          : Effect.logInfo("connection closed").pipe(
            Effect.annotateLogs({ address: event.connection.address, reason: event.error.reason })
          )
      ),
      Effect.forever,
      Effect.forkScoped
    )

    // Closing the scope closes every connection (calls in flight fail) and gives up connections being opened.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        for (const connection of [...open.values()]) connection.close("client closed")
        open.clear()
        for (const [address, pending] of opening) {
          Deferred.unsafeDone(pending, Exit.fail(new RemotingConnectError({ address, reason: "client closed" })))
        }
        opening.clear()
      })
    )

    const closeConnection: RemotingClientService["closeConnection"] = (address) =>
      Effect.sync(() => open.get(address)?.close("closed by the client"))

    const connectedAddresses = Effect.sync(() => [...open.keys()])

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
