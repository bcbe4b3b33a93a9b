import {
  Deferred,
  Duration,
  Effect,
  Exit,
  FiberId,
  FiberSet,
  Layer,
  Metric,
  Option,
  Queue,
  Ref,
  type Scope
} from "effect"
import { ProtocolError } from "../protocol/ProtocolError.js"
import {
  encodeCommand,
  Flag,
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
import { Connection, openSocket } from "./remoting/Connection.js"
import * as Metrics from "./remoting/RemotingMetrics.js"

type Incoming =
  | { readonly _tag: "Request"; readonly connection: Connection; readonly command: RemotingCommand }
  | { readonly _tag: "Closed"; readonly connection: Connection; readonly error: RemotingConnectionError }

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
    const handlers = yield* RequestHandlers
    const nameServers = yield* NameServerAddresses
    const scope = yield* Effect.scope
    const asyncPermits = yield* Effect.makeSemaphore(config.permitsAsync)
    const onewayPermits = yield* Effect.makeSemaphore(config.permitsOneway)
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
      onUnmatchedResponse: () => Metrics.lateResponses.unsafeUpdate(1, []),
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
      ...request,
      opaque: (opaque = (opaque + 1) | 0),
      flag,
      version: config.version,
      language: config.language,
      serializeType: config.serializeType
    })

    const frameOf = (command: RemotingCommand, address: string): Effect.Effect<Buffer, ProtocolError> => {
      const frame = encodeCommand(command)
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

    /** Sends a request on the connection and waits for the response with its opaque. */
    const call = (address: string, request: RemotingCommand) =>
      Effect.flatMap(connectionTo(address), (connection) =>
        Effect.suspend(() => {
          if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
          const command = prepare(request, request.flag & ~(Flag.ONEWAY | Flag.RESPONSE))
          return Effect.flatMap(frameOf(command, address), (frame) => {
            const answer = Deferred.unsafeMake<RemotingCommand, RemotingError>(FiberId.none)
            connection.pending.set(command.opaque, answer)
            Metrics.requestsInFlight.unsafeUpdate(++inFlight, [])
            connection.write(frame)
            return Deferred.await(answer).pipe(
              Effect.map((response) => [command, response] as const),
              Effect.ensuring(Effect.sync(() => {
                connection.pending.delete(command.opaque)
                Metrics.requestsInFlight.unsafeUpdate(--inFlight, [])
              }))
            )
          })
        }))

    const failureCounters = new Map<string, Metric.Metric.Counter<number>>()
    const countFailure = (error: { readonly _tag: string }) => {
      let counter = failureCounters.get(error._tag)
      if (counter === undefined) {
        counter = Metrics.requestFailures.pipe(Metric.tagged("error", error._tag))
        failureCounters.set(error._tag, counter)
      }
      return Metric.increment(counter)
    }
    const requestCounters = new Map<number, Metric.Metric.Counter<number>>()
    const countRequest = (code: number) => {
      let counter = requestCounters.get(code)
      if (counter === undefined) {
        counter = Metrics.requestsSent.pipe(Metric.tagged("code", codeLabel(code)))
        requestCounters.set(code, counter)
      }
      return Metric.increment(counter)
    }

    const serverRequestCounter = (code: number): Metric.Metric.Counter<number> =>
      Metrics.serverRequests.pipe(Metric.tagged("code", codeLabel(code)))

    const timeoutOf = (timeout: Duration.DurationInput | undefined) =>
      timeout === undefined ? config.defaultTimeout : Duration.decode(timeout)

    const invoke: RemotingClientService["invoke"] = (address, request, timeout) => {
      const duration = timeoutOf(timeout)
      return Effect.gen(function*() {
        const started = performance.now()
        const hooked = yield* runBeforeRequest(hooks, address, request)
        const [sent, response] = yield* asyncPermits.withPermits(1)(call(address, hooked))
        Metrics.roundTrip.unsafeUpdate(performance.now() - started, [])
        yield* runAfterResponse(hooks, address, sent, response)
        return response
      }).pipe(
        Effect.timeoutFail({
          duration,
          onTimeout: () =>
            new RemotingTimeoutError({ address, code: request.code, timeoutMillis: Duration.toMillis(duration) })
        }),
        Effect.zipLeft(countRequest(request.code)),
        Effect.tapError(countFailure),
        Effect.withSpan(`RemotingClient.invoke ${codeLabel(request.code)}`, {
          kind: "client",
          attributes: { "rocketmq.address": address, "rocketmq.request_code": request.code }
        })
      )
    }

    const invokeOneway: RemotingClientService["invokeOneway"] = (address, request, timeout) => {
      const duration = timeoutOf(timeout)
      return Effect.gen(function*() {
        const hooked = yield* runBeforeRequest(hooks, address, request)
        yield* onewayPermits.withPermits(1)(
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
        Effect.zipLeft(countRequest(request.code)),
        Effect.tapError(countFailure),
        Effect.withSpan(`RemotingClient.invokeOneway ${codeLabel(request.code)}`, {
          kind: "client",
          attributes: { "rocketmq.address": address, "rocketmq.request_code": request.code }
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
        Effect.zipLeft(Metric.increment(serverRequestCounter(request.code))),
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
