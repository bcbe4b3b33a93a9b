import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import * as net from "node:net"
import { FrameSplitter } from "../../protocol/FrameSplitter.js"
import { ProtocolError } from "../../protocol/ProtocolError.js"
import {
  decodeFrameOrError,
  encodeFrameParts,
  Flag,
  isOneway,
  isResponse,
  type RemotingCommand,
  response as responseTo
} from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { startDueTimer } from "../remoting/DueTimer.js"
import { FrameWriter } from "../remoting/FrameWriter.js"

/**
 * A request of the server's own to a client that got no answer: the connection closed, or the time ran out.
 *
 * @since 0.1.0
 * @category embedded
 */
export class ClientCallError extends Data.TaggedError("ClientCallError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/**
 * One client connected to an embedded server: its address as the server sees it (`ip:port`), and ways to send it
 * a request of the server's own: with no answer awaited (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE), or
 * awaiting the client's answer (PUSH_REPLY_MESSAGE_TO_CLIENT; Java: `NettyRemotingServer.invokeSync`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface ServerConnection {
  readonly remoteAddress: string
  readonly remoteHost: string
  readonly remotePort: number
  readonly send: (command: RemotingCommand) => void
  readonly invoke: (command: RemotingCommand, timeoutMillis: number) => Effect.Effect<RemotingCommand, ClientCallError>
  readonly isOpen: () => boolean
  readonly close: () => void
}

/**
 * Handles one request; `undefined` sends no response (oneway requests never get one).
 *
 * @since 0.1.0
 * @category embedded
 */
export type ServerHandler = (
  request: RemotingCommand,
  connection: ServerConnection
) => Effect.Effect<RemotingCommand | undefined>

/**
 * A running embedded remoting server (Java: `NettyRemotingServer`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface RemotingServer {
  readonly port: number
  readonly connections: ReadonlySet<ServerConnection>
  /** Stops accepting and drops every connection; the port stays reserved for `resume`. */
  readonly pause: Effect.Effect<void>
  /** Accepts connections again on the same port. */
  readonly resume: Effect.Effect<void>
}

const listen = (server: net.Server, host: string, port: number) =>
  Effect.async<number, Error>((resume) => {
    const onError = (error: Error) => resume(Effect.fail(error))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(Effect.succeed((server.address() as net.AddressInfo).port))
    })
  })

/**
 * Starts a remoting server on `host:port` (port 0: an ephemeral one) in the current scope. A handler's answer that is
 * already complete (an `Effect.succeed`, an `Exit`) is written at once; any other runs in a fiber of its own. A
 * handler that dies is answered SYSTEM_ERROR. A connection that sends bytes that are not the protocol is closed.
 * `answerDelayMillis` (none by default) holds every answer back that long (Clock time), as a network would: the
 * request is worked on at once and its answer waits in a delay line, so answers to requests that came together go
 * out together.
 *
 * @since 0.1.0
 * @category embedded
 */
export const startRemotingServer = (
  handler: ServerHandler,
  options: {
    readonly host?: string
    readonly port?: number
    readonly answerDelayMillis?: () => number
  } = {}
): Effect.Effect<RemotingServer, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const host = options.host ?? "127.0.0.1"
    const fibers = yield* FiberSet.make()
    // Answers that take time run in a fiber of their own, started from the socket's data event (no queue between).
    const run = yield* FiberSet.runtime(fibers)<never>()
    const connections = new Set<ServerConnection>()
    const clock = yield* Effect.clock
    const delayOf = options.answerDelayMillis ?? (() => 0)

    // The delay line: answers held back, in the order they are due (Clock milliseconds), written when due.
    const delayed: Array<
      { readonly due: number; readonly connection: ServerConnection; readonly command: RemotingCommand }
    > = []
    const wakeAt = yield* startDueTimer((now) => {
      let due = 0
      while (due < delayed.length && delayed[due]!.due <= now) due++
      for (const { command, connection } of delayed.splice(0, due)) connection.send(command)
      return delayed.length === 0 ? Number.POSITIVE_INFINITY : delayed[0]!.due
    })
    const hold = (connection: ServerConnection, command: RemotingCommand, due: number) => {
      let at = delayed.length
      while (at > 0 && delayed[at - 1]!.due > due) at--
      delayed.splice(at, 0, { due, connection, command })
      wakeAt(due)
    }

    /** Sends the answer to a request (none to a oneway request), now or, with a delay, from the delay line. */
    const reply = (request: RemotingCommand, answer: RemotingCommand | undefined, connection: ServerConnection) => {
      if (answer === undefined || isOneway(request)) return
      const command: RemotingCommand = {
        ...answer,
        opaque: request.opaque,
        flag: answer.flag | Flag.RESPONSE,
        serializeType: request.serializeType
      }
      const delay = delayOf()
      if (delay > 0) hold(connection, command, clock.unsafeCurrentTimeMillis() + delay)
      else connection.send(command)
    }

    const systemError = (request: RemotingCommand, defect: unknown) =>
      responseTo(request, ResponseCode.SYSTEM_ERROR, { remark: String(defect) })

    const onRequest = (request: RemotingCommand, connection: ServerConnection) => {
      // A handler that throws is a defect, answered as one.
      const handled = Either.try(() => handler(request, connection))
      if (Either.isLeft(handled)) return reply(request, systemError(request, handled.left), connection)
      const answer = handled.right
      if (Exit.isExit(answer)) {
        const done = answer as Exit.Exit<RemotingCommand | undefined>
        return reply(
          request,
          Exit.isSuccess(done) ? done.value : systemError(request, Cause.squash(done.cause)),
          connection
        )
      }
      run(
        answer.pipe(
          Effect.catchAllDefect((defect) => Effect.succeed(systemError(request, defect))),
          Effect.map((answered) => reply(request, answered, connection))
        )
      )
    }

    // The opaque of the server's own requests (Java: `RemotingCommand.requestId`), one sequence for every connection.
    let lastOpaque = 0

    const accept = (socket: net.Socket) => {
      socket.setNoDelay(true)
      const splitter = new FrameSplitter()
      const writer = new FrameWriter(socket, `${socket.remoteAddress}:${socket.remotePort}`, {
        flushAt: 32,
        until: "loop"
      })
      const remoteHost = (socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "")
      const remotePort = socket.remotePort ?? 0
      // The server's own requests awaiting their answers, by opaque.
      const awaiting = new Map<number, (answer: Exit.Exit<RemotingCommand, ClientCallError>) => void>()
      const send = (command: RemotingCommand) => {
        if (!socket.destroyed) writer.write(encodeFrameParts(command))
      }
      const invoke = (command: RemotingCommand, timeoutMillis: number) =>
        Effect.async<RemotingCommand, ClientCallError>((resume) => {
          if (socket.destroyed) return resume(Effect.fail(new ClientCallError({ reason: "the connection is closed" })))
          const opaque = ++lastOpaque
          awaiting.set(opaque, resume)
          send({ ...command, opaque, flag: command.flag & ~Flag.ONEWAY })
          return Effect.sync(() => awaiting.delete(opaque))
        }).pipe(
          Effect.timeoutFail({
            duration: timeoutMillis,
            onTimeout: () => new ClientCallError({ reason: `no answer from the client in ${timeoutMillis} ms` })
          })
        )
      socket.on("close", () => {
        for (const resume of awaiting.values()) {
          resume(Exit.fail(new ClientCallError({ reason: "the connection closed" })))
        }
        awaiting.clear()
      })
      const connection: ServerConnection = {
        remoteAddress: `${remoteHost}:${remotePort}`,
        remoteHost,
        remotePort,
        // Responses are batched per turn of the event loop (answers delayed by timers that fire together share a
        // write), but a batch of 32 goes at once (of 8, 16, 32 and 1024, the fastest): a client then gets the first
        // answers of a burst while the broker still works on the rest, and the two overlap.
        send,
        invoke,
        isOpen: () => !socket.destroyed,
        close: () => void socket.destroy()
      }
      connections.add(connection)
      socket.on("close", () => {
        connections.delete(connection)
      })
      socket.on("error", () => socket.destroy())
      const onFrame = (buffer: Buffer, start: number, end: number): boolean => {
        const command = decodeFrameOrError(buffer, start, 0, end)
        if (command instanceof ProtocolError) {
          socket.destroy()
          return false
        }
        if (!isResponse(command)) onRequest(command, connection)
        else {
          // An answer to one of the server's own requests, if it is still awaited.
          const resume = awaiting.get(command.opaque)
          awaiting.delete(command.opaque)
          resume?.(Exit.succeed(command))
        }
        return true
      }
      socket.on("data", (chunk: Buffer) => {
        if (splitter.pushEach(chunk, onFrame) !== undefined) socket.destroy()
      })
    }

    let server = net.createServer(accept)
    const port = yield* listen(server, host, options.port ?? 0)
    const dropAll = () => {
      for (const c of connections) c.close()
      connections.clear()
    }
    const close = (s: net.Server) => Effect.async<void>((resume) => void s.close(() => resume(Effect.void)))
    yield* Effect.addFinalizer(() => Effect.suspend(() => (dropAll(), close(server))))

    return {
      port,
      connections,
      pause: Effect.suspend(() => (dropAll(), close(server))),
      resume: Effect.suspend(() => {
        server = net.createServer(accept)
        return Effect.asVoid(Effect.orDie(listen(server, host, port)))
      })
    }
  })
