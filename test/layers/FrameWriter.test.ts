import { describe, expect, it } from "@effect/vitest"
import type * as net from "node:net"
import { FrameWriter } from "../../src/layers/remoting/FrameWriter.js"

/** A stand-in socket that records its writes, each a list of the buffers that went in one `writev`. */
const recordingSocket = () => {
  const writes: Array<Array<Buffer>> = []
  let corked: Array<Buffer> | undefined
  const socket = {
    destroyed: false,
    cork: () => void (corked = []),
    uncork: () => {
      writes.push(corked!)
      corked = undefined
    },
    write: (chunk: Uint8Array, callback?: (error?: Error | null) => void) => {
      const buffer = Buffer.from(chunk)
      if (corked !== undefined) corked.push(buffer)
      else writes.push([buffer])
      if (callback) process.nextTick(callback, null)
      return true
    }
  }
  return { socket: socket as unknown as net.Socket, writes, raw: socket }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("FrameWriter", () => {
  it("joins the frames of one tick into one write, and tells each writer when it went", async () => {
    const { socket, writes } = recordingSocket()
    const writer = new FrameWriter(socket, "peer")
    const told: Array<unknown> = []
    const batch = writer.write(Buffer.from("a"), (error) => told.push(error))
    writer.write(Buffer.from("bc"))
    writer.write(Buffer.from("d"), (error) => told.push(error))
    expect(writes).toHaveLength(0)
    await tick()
    expect(writes).toEqual([[Buffer.from("abcd")]])
    expect(told).toEqual([null, null])
    expect(batch.sentAt).toBeGreaterThan(0)
  })

  it("writes at once when flushAt frames are queued, and the rest at the end of the turn", async () => {
    const { socket, writes } = recordingSocket()
    const writer = new FrameWriter(socket, "peer", { flushAt: 2, until: "loop" })
    for (const text of ["a", "b", "c"]) writer.write(Buffer.from(text))
    expect(writes).toEqual([[Buffer.from("ab")]])
    await tick()
    expect(writes).toEqual([[Buffer.from("ab")], [Buffer.from("c")]])
  })

  it("writes bodies of 16 KiB and more as they are, the small pieces around them joined", async () => {
    const { socket, writes } = recordingSocket()
    const writer = new FrameWriter(socket, "peer")
    const large = Buffer.alloc(64 * 1024, 7)
    const small = Buffer.alloc(5000, 8)
    writer.write(Buffer.from("h1"))
    writer.write({ head: Buffer.from("h2"), body: large, length: 2 + large.length })
    writer.write({ head: Buffer.from("h3"), body: small, length: 2 + small.length })
    await tick()
    expect(writes).toHaveLength(1)
    expect(writes[0]!.map((b) => b.length)).toEqual([4, large.length, 2 + small.length])
    expect(Buffer.concat(writes[0]!)).toEqual(Buffer.concat([Buffer.from("h1h2"), large, Buffer.from("h3"), small]))
  })

  it("tells the writers of a socket already destroyed that nothing went", async () => {
    const { socket, writes, raw } = recordingSocket()
    const writer = new FrameWriter(socket, "peer")
    const told: Array<unknown> = []
    writer.write(Buffer.from("a"), (error) => told.push(error))
    raw.destroyed = true
    await tick()
    expect(writes).toHaveLength(0)
    expect(String(told[0])).toContain("the connection to peer is closed")
  })
})
