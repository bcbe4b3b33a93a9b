// Transport round trips per second on loopback with 1, 64 and 1024 requests in flight against a minimal echo server
// (in a worker thread): our RemotingClient; the "Effect floor", the bare client's own code with each call made one
// `Effect.async` and driven by fibers as ours is (what any Effect client pays for suspending and resuming a fiber per
// call, with nothing of a transport's own); a bare node:net client doing the same framing with no Effect (the ceiling
// on this machine); and ali-ons's remoting channel.
import Channel from "ali-ons/lib/channel.js"
import RemotingCommandOns from "ali-ons/lib/protocol/command/remoting_command.js"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as net from "node:net"
import { Worker } from "node:worker_threads"
import * as RemotingClientLive from "../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../src/layers/RequestHandlersLive.js"
import { FrameSplitter } from "../src/protocol/FrameSplitter.js"
import { decodeFrame, encodeCommand, type RemotingCommand, request } from "../src/protocol/RemotingCommand.js"
import { NameServerAddresses } from "../src/services/NameServerAddresses.js"
import { RemotingClient } from "../src/services/RemotingClient.js"
import { RpcHooks } from "../src/services/RpcHooks.js"

const header = { topic: "BenchTopic", queueId: "3" }
const CODE = 30

/** Keeps `inFlight` calls going for `seconds`; returns completed calls per second. */
const drive = async (inFlight: number, seconds: number, call: () => Promise<unknown>) => {
  const run = async (ms: number) => {
    const end = performance.now() + ms
    let done = 0
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await call()
        done++
      }
    }))
    return done
  }
  await run(seconds * 250)
  const started = performance.now()
  const done = await run(seconds * 1000)
  return done / ((performance.now() - started) / 1000)
}

/** A bare client: our codec, a Map of promises by opaque, writes coalesced per tick, no Effect. */
const bareClient = async (port: number) => {
  const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
  await new Promise((r) => socket.once("connect", r))
  const pending = new Map<number, (c: RemotingCommand) => void>()
  const splitter = new FrameSplitter()
  socket.on("data", (chunk) => {
    for (const frame of Either.getOrThrow(splitter.push(chunk))) {
      const command = Either.getOrThrow(decodeFrame(frame))
      const resolve = pending.get(command.opaque)
      pending.delete(command.opaque)
      resolve?.(command)
    }
  })
  let opaque = 0
  let corked = false
  /** Sends a request; `resolve` is given its response. */
  const send = (resolve: (c: RemotingCommand) => void) => {
    const id = ++opaque
    pending.set(id, resolve)
    if (!corked) {
      corked = true
      socket.cork()
      process.nextTick(() => {
        corked = false
        socket.uncork()
      })
    }
    socket.write(encodeCommand(request(CODE, header, { opaque: id })))
  }
  return {
    call: () => new Promise<RemotingCommand>(send),
    /** The same call as one `Effect.async`: the least an Effect client can pay per call. */
    callEffect: () => Effect.async<RemotingCommand>((resume) => send((c) => resume(Exit.succeed(c)))),
    close: () => socket.destroy()
  }
}

export const run = async (seconds = 1) => {
  const worker = new Worker(new URL("./echo-server.js", import.meta.url))
  const port = await new Promise<number>((resolve) => worker.once("message", resolve))
  const address = `127.0.0.1:${port}`
  const levels = [1, 64, 1024]
  const rows: Array<[string, number, number, number, number]> = []

  const bare = await bareClient(port)
  const floor = await bareClient(port)
  const ons = new Channel(address)
  await ons.ready()
  const layer = RemotingClientLive.layer().pipe(
    Layer.provide(Layer.mergeAll(RequestHandlersLive, RpcHooks.none, NameServerAddresses.fixed([])))
  )
  await Effect.runPromise(
    Effect.gen(function*() {
      const client = yield* RemotingClient
      // Ours is driven as an Effect program uses it: `inFlight` fibers, each invoking in a loop (Effect.whileLoop,
      // as the others are driven by a plain `await` loop).
      const driveEffect = (inFlight: number, ms: number, call: () => Effect.Effect<RemotingCommand, unknown>) =>
        Effect.suspend(() => {
          const end = performance.now() + ms
          let done = 0
          const loop = Effect.whileLoop({
            while: () => performance.now() < end,
            body: call,
            step: () => {
              done++
            }
          })
          return Effect.forEach(Array.from({ length: inFlight }), () => loop, {
            concurrency: "unbounded",
            discard: true
          }).pipe(Effect.zipRight(Effect.sync(() => done / (ms / 1000))))
        })
      const driveOurs = (inFlight: number, ms: number) =>
        driveEffect(inFlight, ms, () => client.invoke(address, request(CODE, header), "30 seconds"))
      const driveFloor = (inFlight: number, ms: number) => driveEffect(inFlight, ms, floor.callEffect)
      const median = (xs: Array<number>) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
      for (const inFlight of levels) {
        // Three rounds, the three clients taking turns in each, and the median of each: this machine's speed drifts
        // from second to second, and turns keep the drift out of the ratios.
        yield* driveOurs(inFlight, seconds * 250)
        yield* driveFloor(inFlight, seconds * 250)
        const ours: Array<number> = []
        const floors: Array<number> = []
        const bares: Array<number> = []
        const onses: Array<number> = []
        for (let round = 0; round < 3; round++) {
          ours.push(yield* driveOurs(inFlight, seconds * 1000))
          floors.push(yield* driveFloor(inFlight, seconds * 1000))
          bares.push(yield* Effect.promise(() => drive(inFlight, seconds, bare.call)))
          onses.push(
            yield* Effect.promise(() =>
              drive(inFlight, seconds, () => ons.invoke(RemotingCommandOns.createRequestCommand(CODE, header), 30_000))
            )
          )
        }
        const [o, f, b, a] = [median(ours), median(floors), median(bares), median(onses)]
        rows.push([`${inFlight} in flight`, o, f, b, a])
      }
    }).pipe(Effect.provide(layer))
  )
  bare.close()
  floor.close()
  await ons.close()
  worker.postMessage("stop")

  const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
  console.log("\nRemoting round trips per second on loopback (echo server in a worker thread; median of 3 rounds)")
  console.log(
    [
      "",
      "ours (Effect)",
      "Effect floor",
      "bare node:net",
      "ali-ons",
      "ours/bare",
      "floor/bare",
      "ours/floor",
      "ours/ali-ons"
    ]
      .map((h, i) => i === 0 ? h.padEnd(14) : h.padStart(14)).join("")
  )
  for (const [name, o, f, b, a] of rows) {
    console.log(
      name.padEnd(14) +
        [
          fmt(o),
          fmt(f),
          fmt(b),
          fmt(a),
          `${(o / b).toFixed(2)}x`,
          `${(f / b).toFixed(2)}x`,
          `${(o / f).toFixed(2)}x`,
          `${(o / a).toFixed(2)}x`
        ].map((c) => c.padStart(14)).join("")
    )
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(Number(process.env.BENCH_SECONDS ?? 1))
