// The live fuzz target's peer: TCP servers on 127.0.0.1 answering each request with the next fuzz frame, given the
// request's opaque first (and mostly the response bit). It runs in the client's thread or in a worker thread of its
// own (bench/fuzz-peer-worker.ts); either way its counters live in shared memory that the client's side reads.
import * as Either from "effect/Either"
import * as net from "node:net"
import { FrameSplitter } from "../src/protocol/FrameSplitter.js"
import type { ProtocolError } from "../src/protocol/ProtocolError.js"
import { decodeFrame, encodeCommand, type RemotingCommand, request, response } from "../src/protocol/RemotingCommand.js"
import { fuzzFrame, inStep, Rng } from "./FrameMutations.js"
import type { SeedFrame } from "./FuzzSeeds.js"

/** The counters' places in the shared array; after them, the last frames sent, as (index, opaque) pairs. */
export const Counter = {
  generated: 0,
  sent: 1,
  /** Frames sent that end their connection (they do not decode, or leave the stream out of step). */
  ending: 2,
  connections: 3,
  /** Connections the peer went silent on, so that their calls had to time out. */
  held: 4,
  /** Requests of the peer's that the client answered, and client frames the peer could not read (none allowed). */
  answers: 5,
  unreadable: 6,
  recentAt: 7
} as const
const RECENT = 8
const RECENT_BASE = 8

/** A shared array for a peer's counters. */
export const peerCounters = (): Int32Array => new Int32Array(new SharedArrayBuffer((RECENT_BASE + RECENT * 2) * 4))

/** The last frames sent, oldest first, as (index, opaque). */
export const recentFrames = (counters: Int32Array): Array<readonly [number, number]> => {
  const at = Atomics.load(counters, Counter.recentAt)
  const out: Array<readonly [number, number]> = []
  for (let i = Math.max(0, at - RECENT); i < at; i++) {
    const slot = RECENT_BASE + (i % RECENT) * 2
    out.push([counters[slot]!, counters[slot + 1]!])
  }
  return out
}

export interface PeerOptions {
  readonly seeds: ReadonlyArray<SeedFrame>
  readonly seed: number
  readonly from: number
  readonly frames: number
  readonly addresses: number
  readonly timeoutMillis: number
  /** The share of the frames that would end their connection that are sent; the others are skipped. */
  readonly endingShare: number
}

export interface Peer {
  readonly addresses: ReadonlyArray<string>
  readonly close: () => Promise<void>
}

/** Starts the peer's servers, counting into `counters` (see {@link Counter}). */
export const startPeer = (options: PeerOptions, counters: Int32Array): Promise<Peer> => {
  const { endingShare, frames, from, seed, seeds, timeoutMillis } = options
  const count = (counter: number) => Atomics.add(counters, counter, 1)
  const sockets = new Set<net.Socket>()
  const clean = (opaque: number) =>
    encodeCommand(response(request(0, undefined, { opaque }), 0, { extFields: { fuzz: "clean" } }))
  /** The next frame to send: one that keeps the stream readable, or (`endingShare` of the time) one that does not. */
  const next = (opaque: number) => {
    for (;;) {
      const index = from + count(Counter.generated)
      const input = fuzzFrame(seeds, seed, index, opaque)
      const own = inStep(input.bytes) ? decodeFrame(input.bytes.subarray(4)) : undefined
      const ends = own === undefined || Either.isLeft(own)
      if (!ends || new Rng(seed ^ 0x1b873593, index).chance(endingShare)) {
        return { index, input, inStep: own !== undefined, answer: own && Either.getOrUndefined(own), ends }
      }
    }
  }
  const accept = (socket: net.Socket) => {
    count(Counter.connections)
    sockets.add(socket)
    const splitter = new FrameSplitter()
    let silent = false
    socket.setNoDelay(true)
    socket.on("error", () => socket.destroy())
    socket.on("close", () => sockets.delete(socket))
    socket.on("data", (chunk) => {
      if (silent) return
      const split = splitter.push(chunk)
      const calls: Array<Either.Either<RemotingCommand, ProtocolError>> = Either.isRight(split)
        ? split.right.map((bytes) => decodeFrame(bytes))
        : [Either.left(split.left)]
      for (const decoded of calls) {
        if (Either.isLeft(decoded)) {
          count(Counter.unreadable)
          socket.destroy()
          return
        }
        const call = decoded.right
        if ((call.flag & 1) === 1) {
          count(Counter.answers)
          continue
        }
        if (Atomics.load(counters, Counter.sent) >= frames) {
          socket.write(clean(call.opaque))
          continue
        }
        const frame = next(call.opaque)
        const slot = RECENT_BASE + (count(Counter.recentAt) % RECENT) * 2
        counters[slot] = frame.index
        counters[slot + 1] = call.opaque
        count(Counter.sent)
        if (frame.ends) count(Counter.ending)
        socket.write(frame.input.bytes)
        if (!frame.inStep) {
          // Out of step: the peer hangs up, or (one time in 500) goes silent and hangs up only after the calls' timeout.
          if (new Rng(seed ^ 0x5bd1e995, frame.index).chance(0.002)) {
            silent = true
            count(Counter.held)
            setTimeout(() => socket.destroy(), timeoutMillis * 2)
          } else socket.end()
          return
        }
        // A frame that does not answer the call is followed by one that does, as a broker would send it later.
        const answer = frame.answer
        if (answer === undefined || (answer.flag & 1) === 0 || answer.opaque !== call.opaque) {
          socket.write(clean(call.opaque))
        }
      }
    })
  }
  const listen = (server: net.Server) =>
    new Promise<string>((resolve, reject) => {
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as net.AddressInfo).port}`))
    })
  const servers = Array.from({ length: options.addresses }, () => net.createServer(accept))
  return Promise.all(servers.map(listen)).then((addresses) => ({
    addresses,
    close: () => {
      for (const s of sockets) s.destroy()
      return Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))))
        .then(() => undefined)
    }
  }))
}
