import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as net from "node:net"
import * as tls from "node:tls"
import { FrameSplitter } from "../../protocol/FrameSplitter.js"
import type { HostAddress } from "../../protocol/HostAddress.js"
import { ProtocolError } from "../../protocol/ProtocolError.js"
import {
  decodeFrameOrError,
  type FrameParts,
  isResponse,
  type RemotingCommand
} from "../../protocol/RemotingCommand.js"
import {
  RemotingConnectionError,
  type RemotingError,
  RemotingTimeoutError,
  type TlsOptions
} from "../../services/RemotingClient.js"
import { FrameWriter, type WriteBatch } from "./FrameWriter.js"

/**
 * A call waiting for its response: how to resume it, and when it times out (Clock milliseconds). A response resumes
 * it with the time (`performance.now()`) its chunk of bytes arrived.
 */
export interface PendingCall {
  readonly resume: (result: Exit.Exit<RemotingCommand, RemotingError>, receivedAt?: number) => void
  readonly deadline: number
  readonly code: number
  readonly timeoutMillis: number
}

/** What a connection tells its owner. */
export interface ConnectionEvents {
  /** A request the peer sent (not a response). */
  readonly onRequest: (connection: Connection, command: RemotingCommand) => void
  /** A response that matched no call in flight. */
  readonly onUnmatchedResponse: (connection: Connection, command: RemotingCommand) => void
  /** The connection is closed; every call in flight on it has already failed with `error`. */
  readonly onClose: (connection: Connection, error: RemotingConnectionError) => void
}

/**
 * One TCP (or TLS) connection to a broker or name server (Java: a Netty `Channel` with `NettyDecoder`): frames are
 * split and decoded as they arrive, responses complete their call by opaque, requests go to the owner. Frames written
 * in the same tick go to the socket together at the next tick (see {@link FrameWriter}).
 */
export class Connection {
  readonly pending = new Map<number, PendingCall>()
  closedBy: RemotingConnectionError | undefined
  private readonly splitter: FrameSplitter
  private readonly writer: FrameWriter

  constructor(
    readonly address: string,
    readonly socket: net.Socket,
    maxFrameLength: number,
    private readonly events: ConnectionEvents
  ) {
    this.splitter = new FrameSplitter(maxFrameLength)
    this.writer = new FrameWriter(socket, address)
    socket.on("data", (chunk: Buffer) => this.receive(chunk))
    socket.on("error", (error) => this.close(error.message))
    socket.on("close", () => this.close("closed by the peer"))
  }

  /** Queues a frame for this tick's socket write (see {@link FrameWriter}); returns its batch. */
  write(frame: Buffer | FrameParts, onWritten?: (error: Error | null | undefined) => void): WriteBatch {
    return this.writer.write(frame, onWritten)
  }

  /** Closes the connection: the socket is destroyed and every call in flight fails at once. */
  close(reason: string): void {
    if (this.closedBy !== undefined) return
    const error = new RemotingConnectionError({ address: this.address, reason })
    this.closedBy = error
    this.socket.destroy()
    const calls = [...this.pending.values()]
    this.pending.clear()
    for (const call of calls) call.resume(Exit.fail(error))
    this.events.onClose(this, error)
  }

  /** Fails the calls whose deadline has passed; returns the earliest deadline of those still waiting. */
  expire(now: number): number {
    let earliest = Number.POSITIVE_INFINITY
    for (const [opaque, call] of this.pending) {
      if (call.deadline > now) earliest = Math.min(earliest, call.deadline)
      else {
        this.pending.delete(opaque)
        call.resume(
          Exit.fail(
            new RemotingTimeoutError({ address: this.address, code: call.code, timeoutMillis: call.timeoutMillis })
          )
        )
      }
    }
    return earliest
  }

  private receive(chunk: Buffer): void {
    this.receivedAt = performance.now()
    const failure = this.splitter.pushEach(chunk, this.onFrame)
    if (failure !== undefined) this.close(`protocol error: ${failure.message}`)
  }

  /** When the chunk being read arrived (`performance.now()`), for the round trips of the calls it answers. */
  private receivedAt = 0

  private readonly onFrame = (buffer: Buffer, start: number, end: number): boolean => {
    const c = decodeFrameOrError(buffer, start, 0, end)
    if (c instanceof ProtocolError) {
      this.close(`protocol error: ${c.message}`)
      return false
    }
    if (isResponse(c)) {
      const call = this.pending.get(c.opaque)
      if (call === undefined) this.events.onUnmatchedResponse(this, c)
      else {
        this.pending.delete(c.opaque)
        call.resume(Exit.succeed(c), this.receivedAt)
      }
    } else {
      this.events.onRequest(this, c)
    }
    return true
  }
}

/**
 * Starts opening a socket to `host:port` (TLS when options are given; Nagle off, as Java's `tcpNoDelay`) and tells
 * `done` once how it went: the socket once connected (after the TLS handshake), or why it could not be opened
 * (refused, unreachable, handshake failed). Returns how to give the attempt up: its socket is destroyed and `done`
 * is not called. The attempt has no timer of its own: its owner gives it up when the connect timeout passes (Java:
 * `Bootstrap.connect` with `connectTimeoutMillis`).
 */
export const connectSocket = (
  target: HostAddress,
  tlsOptions: TlsOptions | undefined,
  done: (result: net.Socket | string) => void
): () => void => {
  const opened = Either.try({
    try: () =>
      tlsOptions === undefined
        ? net.connect({ host: target.host, port: target.port, noDelay: true })
        : tls.connect({
          host: target.host,
          port: target.port,
          ca: tlsOptions.ca,
          cert: tlsOptions.cert,
          key: tlsOptions.key === undefined ? undefined : Redacted.value(tlsOptions.key),
          passphrase: tlsOptions.passphrase === undefined ? undefined : Redacted.value(tlsOptions.passphrase),
          rejectUnauthorized: tlsOptions.rejectUnauthorized ?? false,
          servername: tlsOptions.servername ?? (net.isIP(target.host) ? undefined : target.host)
        }),
    catch: (error) => error instanceof Error ? error.message : String(error)
  })
  if (Either.isLeft(opened)) {
    queueMicrotask(() => done(opened.left))
    return () => {}
  }
  const socket = opened.right
  let settled = false
  const onError = (error: Error) => {
    socket.destroy()
    if (!settled) {
      settled = true
      done(error.message)
    }
  }
  socket.setNoDelay(true)
  socket.once("error", onError)
  socket.once(tlsOptions === undefined ? "connect" : "secureConnect", () => {
    socket.off("error", onError)
    if (!settled) {
      settled = true
      done(socket)
    }
  })
  return () => {
    settled = true
    socket.off("error", onError)
    socket.on("error", () => {})
    socket.destroy()
  }
}
