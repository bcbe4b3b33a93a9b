import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as net from "node:net"
import { parseHostAddress } from "../../protocol/HostAddress.js"
import { RemotingConnectError, type TlsOptions } from "../../services/RemotingClient.js"
import { Connection, type ConnectionEvents, connectSocket } from "./Connection.js"
import type { TimedWait, TimedWaits } from "./TimedWaits.js"

/** What a caller waiting for a connection is resumed with. */
type Resume = (exit: Exit.Exit<Connection, RemotingConnectError>) => void

/**
 * One attempt to open a connection (Java: `createChannel`): shared by every caller of the address while it lasts,
 * given up when the connect timeout passes. It is no fiber: a timer of the sweeper and the socket's events end it,
 * so it ends in time whatever the interruptibility of the callers.
 */
class ConnectAttempt implements TimedWait {
  readonly waiters = new Set<ConnectWaiter>()
  giveUp: () => void = () => {}
  deadline = Number.POSITIVE_INFINITY
  constructor(
    readonly address: string,
    private readonly timeoutMillis: number,
    private readonly connector: Connector
  ) {}

  expire(): void {
    this.giveUp()
    this.connector.settle(this, `connect timed out after ${this.timeoutMillis} ms`)
  }
}

/** A caller waiting for an attempt, until the attempt ends or its own deadline passes. */
class ConnectWaiter implements TimedWait {
  constructor(
    readonly deadline: number,
    private readonly attempt: ConnectAttempt,
    readonly resume: Resume,
    private readonly onDeadline: () => RemotingConnectError
  ) {}

  expire(): void {
    this.attempt.waiters.delete(this)
    this.resume(Exit.fail(this.onDeadline()))
  }
}

/**
 * Settings of the connector: the transport's connect timeout, frame limit and TLS, the sweeper's waits and the Clock
 * it runs on, and what connections tell their owner.
 *
 * @since 0.1.0
 * @category internal
 */
export interface ConnectorOptions {
  readonly connectTimeoutMillis: number
  readonly maxFrameLength: number
  readonly tls: TlsOptions | undefined
  readonly waits: TimedWaits
  readonly now: () => number
  readonly events: ConnectionEvents
  readonly onConnected: (connection: Connection) => void
}

/**
 * The transport's connections (Java: `NettyRemotingClient.channelTables`): one open connection per address, and the
 * attempts being made. Callers of an address share its attempt; each waits for it until its own deadline at most.
 *
 * @since 0.1.0
 * @category internal
 */
export class Connector {
  /** The open connections, by address. */
  readonly open = new Map<string, Connection>()
  private readonly attempts = new Map<string, ConnectAttempt>()
  private closed = false
  private readonly events: ConnectionEvents

  constructor(private readonly options: ConnectorOptions) {
    this.events = {
      ...options.events,
      onClose: (connection, error) => {
        if (this.open.get(connection.address) === connection) this.open.delete(connection.address)
        options.events.onClose(connection, error)
      }
    }
  }

  /**
   * The connection to `address`: the open one at once; else the attempt under way, or a new one, waited for until it
   * ends or `waitUntil` (Clock milliseconds) passes, when the wait fails with `onDeadline()` (the attempt goes on for
   * the others). An interrupted caller stops waiting at once.
   */
  connectionTo(
    address: string,
    waitUntil: number,
    onDeadline: () => RemotingConnectError
  ): Effect.Effect<Connection, RemotingConnectError> {
    return Effect.suspend(() => {
      if (this.closed) return Effect.fail(new RemotingConnectError({ address, reason: "the client is closed" }))
      const connection = this.open.get(address)
      if (connection !== undefined) return Effect.succeed(connection)
      if (this.options.now() >= waitUntil) return Effect.fail(onDeadline())
      const attempt = this.attempts.get(address) ?? this.start(address)
      if (attempt instanceof RemotingConnectError) return Effect.fail(attempt)
      return Effect.async<Connection, RemotingConnectError>((resume) => {
        const waiter = new ConnectWaiter(waitUntil, attempt, resume, onDeadline)
        attempt.waiters.add(waiter)
        this.options.waits.add(waiter)
        return Effect.sync(() => {
          attempt.waiters.delete(waiter)
          this.options.waits.delete(waiter)
        })
      })
    })
  }

  private start(address: string): ConnectAttempt | RemotingConnectError {
    const target = parseHostAddress(address)
    if (target === undefined) return new RemotingConnectError({ address, reason: "not a host:port address" })
    const { connectTimeoutMillis, now, waits } = this.options
    const attempt = new ConnectAttempt(address, connectTimeoutMillis, this)
    this.attempts.set(address, attempt)
    attempt.giveUp = connectSocket(target, this.options.tls, (result) => this.settle(attempt, result))
    // The connect timeout counts from when the connect is issued, which Node does in a `nextTick` queued before this
    // one: only once the event loop is back from what it runs now (many fibers starting at once can take seconds).
    process.nextTick(() => {
      if (this.attempts.get(address) !== attempt) return
      attempt.deadline = now() + connectTimeoutMillis
      waits.add(attempt)
    })
    return attempt
  }

  /** Ends an attempt: with its socket, a new connection; else every caller waiting for it fails with `result`. */
  settle(attempt: ConnectAttempt, result: net.Socket | string): void {
    if (this.attempts.get(attempt.address) !== attempt) {
      if (typeof result !== "string") result.destroy()
      return
    }
    this.attempts.delete(attempt.address)
    this.options.waits.delete(attempt)
    let exit: Exit.Exit<Connection, RemotingConnectError>
    if (typeof result === "string") {
      exit = Exit.fail(new RemotingConnectError({ address: attempt.address, reason: result }))
    } else {
      const connection = new Connection(attempt.address, result, this.options.maxFrameLength, this.events)
      this.open.set(attempt.address, connection)
      this.options.onConnected(connection)
      exit = Exit.succeed(connection)
    }
    const waiters = [...attempt.waiters]
    attempt.waiters.clear()
    for (const waiter of waiters) {
      this.options.waits.delete(waiter)
      waiter.resume(exit)
    }
  }

  /** Fails the calls past their deadline on every open connection; returns the earliest deadline of the others. */
  expireCalls(now: number): number {
    let earliest = Number.POSITIVE_INFINITY
    for (const connection of this.open.values()) earliest = Math.min(earliest, connection.expire(now))
    return earliest
  }

  /** Closes every connection (calls in flight fail) and gives up every attempt (its callers fail); no more open. */
  close(reason: string): void {
    this.closed = true
    for (const connection of [...this.open.values()]) connection.close(reason)
    this.open.clear()
    for (const attempt of [...this.attempts.values()]) {
      attempt.giveUp()
      this.settle(attempt, reason)
    }
  }
}

/**
 * A caller's wait for a connection that ended before the connection opened.
 *
 * @since 0.1.0
 * @category internal
 */
export const notConnectedWithin = (address: string, waitedMillis: number) =>
  new RemotingConnectError({ address, reason: `not connected within ${waitedMillis} ms` })
