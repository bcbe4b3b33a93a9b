// Free loopback ports for the real cluster's JVMs.
import { Effect } from "effect"
import { createServer } from "node:net"
import { PortInUseError } from "./RealSetupError.js"

const isFree = (port: number) =>
  Effect.async<boolean>((resume) => {
    const server = createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

/**
 * The first of `count` consecutive free ports on 127.0.0.1 (a broker takes its port, port - 2 and port + 1), drawn at
 * random from 10000-31999 so that concurrent runs rarely meet; a port taken between this check and the JVM's bind is
 * reported by the JVM's start as a `PortInUseError`.
 */
export const freePortRun = (count: number) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 50; attempt++) {
      // Below Linux's ephemeral range (32768-60999): a port of ours is never a client socket's local port meanwhile.
      const base = 10_000 + Math.floor(Math.random() * 22_000)
      let free = true
      for (let i = 0; i < count && free; i++) free = yield* isFree(base + i)
      if (free) return base
    }
    return yield* Effect.fail(new PortInUseError({ port: 20_000 }))
  })
