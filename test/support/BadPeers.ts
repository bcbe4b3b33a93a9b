// Peers that misbehave the ways a network or a wrong address does, each on loopback in the test process, each gone
// when its scope closes: refused, black-holed, silent after connect, an HTTP server, garbage, one byte a second, and
// a frame announcing 2 GiB.
import { Effect, Either, type Scope } from "effect"
import * as http from "node:http"
import * as net from "node:net"
import { Worker } from "node:worker_threads"
import { FrameSplitter } from "../../src/protocol/FrameSplitter.js"
import { decodeFrame, encodeCommand, response } from "../../src/protocol/RemotingCommand.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"

export type Misbehaviour =
  | "refused"
  | "black-holed"
  | "silent"
  | "http"
  | "garbage"
  | "one byte a second"
  | "2 GiB frame"

export const misbehaviours: ReadonlyArray<Misbehaviour> = [
  "refused",
  "black-holed",
  "silent",
  "http",
  "garbage",
  "one byte a second",
  "2 GiB frame"
]

export interface BadPeer {
  readonly misbehaviour: Misbehaviour
  readonly address: string
}

const HOST = "127.0.0.1"

const listening = (server: net.Server) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port))
  })

const closed = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()))

/** A port nothing listens on: the kernel answers a connection attempt with a reset. */
const refusedPort = Effect.promise(async () => {
  const server = net.createServer()
  const port = await listening(server)
  await closed(server)
  return port
})

// The black hole's listening socket lives in a worker thread that blocks on a shared flag as soon as it listens, so
// its event loop never accepts a connection: once its backlog is full, Linux drops further SYNs without an answer
// (`tcp_abort_on_overflow` 0, the default), as a full listen queue, a black-holed route or a dropping firewall do.
const BLACK_HOLE = `
const { parentPort, workerData } = require("node:worker_threads")
const net = require("node:net")
const server = net.createServer()
server.listen({ port: 0, host: "${HOST}", backlog: 1 }, () => {
  parentPort.postMessage(server.address().port)
  Atomics.wait(new Int32Array(workerData), 0, 0)
  server.close()
})
`
/** Linux queues `backlog + 1` connections a listener has not accepted. */
const BLACK_HOLE_FILL = 2

const blackHole = Effect.acquireRelease(
  Effect.promise(async () => {
    const flag = new SharedArrayBuffer(4)
    const worker = new Worker(BLACK_HOLE, { eval: true, workerData: flag })
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()))
    const port = await new Promise<number>((resolve, reject) => {
      worker.once("message", resolve)
      worker.once("error", reject)
    })
    // The backlog filled with connections the kernel completed and nobody accepts.
    const fillers: Array<net.Socket> = []
    for (let i = 0; i < BLACK_HOLE_FILL; i++) {
      const socket = net.connect(port, HOST)
      fillers.push(socket)
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve)
        socket.once("error", reject)
      })
    }
    return { port, flag, fillers, exited }
  }),
  ({ exited, fillers, flag }) =>
    Effect.promise(async () => {
      for (const socket of fillers) socket.destroy()
      const wake = new Int32Array(flag)
      Atomics.store(wake, 0, 1)
      Atomics.notify(wake, 0)
      await exited
    })
)

/** A TCP server whose connections `onData` answers; every socket is destroyed when the scope closes. */
const server = (onData: (socket: net.Socket, chunk: Buffer) => void, onClose?: (socket: net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const sockets = new Set<net.Socket>()
      const tcp = net.createServer((socket) => {
        sockets.add(socket)
        socket.on("error", () => socket.destroy())
        socket.on("close", () => {
          sockets.delete(socket)
          onClose?.(socket)
        })
        socket.on("data", (chunk) => onData(socket, chunk))
      })
      return { port: await listening(tcp), tcp, sockets }
    }),
    ({ sockets, tcp }) =>
      Effect.promise(() => {
        for (const socket of sockets) socket.destroy()
        return closed(tcp)
      })
  )

/** Bytes no remoting peer sends: a frame of 12 bytes whose JSON header is not JSON. */
const GARBAGE = Buffer.concat([Buffer.from([0, 0, 0, 12, 0, 0, 0, 8]), Buffer.from("notjson!")])

/** A frame that announces 2 GiB (less one byte) and never sends them. */
const TWO_GIB = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])

/** Answers every request with a good response, written one byte per `intervalMillis`. */
const tricklingServer = (intervalMillis: number) => {
  const timers = new Map<net.Socket, Set<NodeJS.Timeout>>()
  const stop = (socket: net.Socket) => {
    for (const timer of timers.get(socket) ?? []) clearInterval(timer)
    timers.delete(socket)
  }
  return Effect.acquireRelease(
    Effect.sync(() => new Map<net.Socket, FrameSplitter>()),
    () => Effect.sync(() => [...timers.keys()].forEach(stop))
  ).pipe(Effect.flatMap((splitters) =>
    server((socket, chunk) => {
      const splitter = splitters.get(socket) ?? new FrameSplitter()
      splitters.set(socket, splitter)
      for (const frame of Either.getOrElse(splitter.push(chunk), () => [])) {
        const request = Either.getOrThrow(decodeFrame(frame))
        const bytes = encodeCommand(response(request, ResponseCode.SUCCESS))
        let at = 0
        const timer = setInterval(() => {
          if (at < bytes.length && !socket.destroyed) socket.write(bytes.subarray(at, ++at))
          else clearInterval(timer)
        }, intervalMillis)
        const own = timers.get(socket) ?? new Set()
        own.add(timer)
        timers.set(socket, own)
      }
    }, (socket) => {
      stop(socket)
      splitters.delete(socket)
    })
  ))
}

/** An HTTP server: it answers a remoting frame as a malformed request, 400 Bad Request, and closes. */
const httpServer = Effect.acquireRelease(
  Effect.promise(async () => {
    const web = http.createServer((_, res) => res.end("hello"))
    return { port: await listening(web), web }
  }),
  ({ web }) =>
    Effect.promise(() => {
      web.closeAllConnections()
      return closed(web)
    })
)

/**
 * A peer on loopback that misbehaves as asked; it is gone when the scope closes. "one byte a second" writes a byte
 * every `byteIntervalMillis` (1 s by default).
 */
export const badPeer = (
  misbehaviour: Misbehaviour,
  options: { readonly byteIntervalMillis?: number } = {}
): Effect.Effect<BadPeer, never, Scope.Scope> => {
  const port: Effect.Effect<number, never, Scope.Scope> = (() => {
    switch (misbehaviour) {
      case "refused":
        return refusedPort
      case "black-holed":
        return Effect.map(blackHole, (b) => b.port)
      case "silent":
        return Effect.map(server(() => {}), (s) => s.port)
      case "http":
        return Effect.map(httpServer, (s) => s.port)
      case "garbage":
        return Effect.map(server((socket) => void socket.write(GARBAGE)), (s) => s.port)
      case "one byte a second":
        return Effect.map(tricklingServer(options.byteIntervalMillis ?? 1000), (s) => s.port)
      case "2 GiB frame":
        return Effect.map(server((socket) => void socket.write(TWO_GIB)), (s) => s.port)
    }
  })()
  return Effect.map(port, (p) => ({ misbehaviour, address: `${HOST}:${p}` }))
}
