// A scripted remoting peer for the transport's tests: a TCP (or TLS) server in the test process built on the
// project's own codec. Each test says how it answers.
import { Effect, Either, type Scope } from "effect"
import * as net from "node:net"
import * as tls from "node:tls"
import { FrameSplitter } from "../../src/protocol/FrameSplitter.js"
import { decodeFrame, encodeCommand, type RemotingCommand } from "../../src/protocol/RemotingCommand.js"

export interface PeerConnection {
  readonly socket: net.Socket
  readonly send: (command: RemotingCommand) => void
}

export type OnRequest = (command: RemotingCommand, connection: PeerConnection) => void

export interface ScriptedPeer {
  readonly port: number
  readonly address: string
  readonly received: Array<RemotingCommand>
  readonly connections: Set<PeerConnection>
  /** Responses (flag 1) that the client sent, e.g. answers to requests the peer sent. */
  readonly responses: Array<RemotingCommand>
  readonly stop: () => Promise<void>
  readonly start: () => Promise<void>
}

export interface PeerOptions {
  readonly port?: number
  readonly tls?: tls.TlsOptions
}

const listen = (server: net.Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
  })

/** Starts a peer on loopback (an ephemeral port unless given); it is stopped when the scope closes. */
export const scriptedPeer = (
  onRequest: OnRequest,
  options: PeerOptions = {}
): Effect.Effect<ScriptedPeer, never, Scope.Scope> => {
  const received: Array<RemotingCommand> = []
  const responses: Array<RemotingCommand> = []
  const connections = new Set<PeerConnection>()
  const accept = (socket: net.Socket) => {
    const splitter = new FrameSplitter()
    const connection: PeerConnection = { socket, send: (c) => void socket.write(encodeCommand(c)) }
    connections.add(connection)
    socket.on("close", () => connections.delete(connection))
    socket.on("error", () => socket.destroy())
    socket.on("data", (chunk) => {
      const frames = splitter.push(chunk)
      if (Either.isLeft(frames)) {
        socket.destroy()
        return
      }
      for (const frame of frames.right) {
        const command = Either.getOrThrow(decodeFrame(frame))
        if ((command.flag & 1) === 1) responses.push(command)
        else {
          received.push(command)
          onRequest(command, connection)
        }
      }
    })
  }
  let server: net.Server | undefined
  let port = options.port ?? 0
  const peer: ScriptedPeer = {
    get port() {
      return port
    },
    get address() {
      return `127.0.0.1:${port}`
    },
    received,
    responses,
    connections,
    start: async () => {
      server = options.tls ? tls.createServer(options.tls, accept) : net.createServer(accept)
      port = await listen(server, port)
    },
    stop: async () => {
      for (const c of connections) c.socket.destroy()
      connections.clear()
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
      server = undefined
    }
  }
  return Effect.acquireRelease(
    Effect.promise(() => peer.start()).pipe(Effect.as(peer)),
    () => Effect.promise(() => peer.stop())
  )
}
