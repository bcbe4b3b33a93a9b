import type * as net from "node:net"
import type { FrameParts } from "../../protocol/RemotingCommand.js"

/**
 * Chunks of this size or more are written as they are, not joined with their neighbours: 16 KiB (copying that much
 * costs more than a socket write of its own).
 */
const WRITTEN_ALONE = 16 * 1024

/** Frames written to the socket together; `sentAt` is when (`performance.now()`), for round-trip times. */
export class WriteBatch {
  sentAt = Number.NaN
}

/**
 * Coalesces the frames written to one socket in the same tick (Netty's write-and-flush batching): at the next tick
 * they go to the socket as one buffer; bodies of 16 KiB and more go as buffers of their own in the same `writev`,
 * never copied (bodies from 4 KiB on arrive apart from their head, so they are copied once at most). Used by the
 * client's connections and by the embedded broker's.
 */
export class FrameWriter {
  /** The frames queued in this tick: `sentAt` is set when they go to the socket. */
  private batch = new WriteBatch()
  /** Frames (and uncopied bodies) waiting for the next tick's write, with the callbacks waiting for it. */
  private queued: Array<Uint8Array> = []
  private queuedLarge = false
  private callbacks: Array<(error: Error | null | undefined) => void> = []

  private readonly flushAt: number
  private readonly schedule: (flush: () => void) => void

  /**
   * Options: `flushAt`, with this many frames queued the batch goes at once, so that a peer gets the first answers
   * of a burst while the rest are still being worked on; `until`, the end of the batch: "tick" (the default, the
   * client's requests) or "loop", the end of this turn of the event loop, so that answers made by timers that fire
   * together (the embedded broker's added latency) share a write.
   */
  constructor(
    private readonly socket: net.Socket,
    private readonly address: string,
    options?: { readonly flushAt?: number; readonly until?: "tick" | "loop" }
  ) {
    this.flushAt = options?.flushAt ?? Number.POSITIVE_INFINITY
    this.schedule = options?.until === "loop" ? setImmediate : process.nextTick
  }

  /**
   * Queues a frame; `onWritten` is told when it has gone to the socket (or failed). Returns the frame's batch, whose
   * `sentAt` tells when it went.
   */
  write(frame: Buffer | FrameParts, onWritten?: (error: Error | null | undefined) => void): WriteBatch {
    if (this.queued.length === 0) {
      this.batch = new WriteBatch()
      if (!this.flushScheduled) {
        this.flushScheduled = true
        this.schedule(this.flushAtTickEnd)
      }
    }
    if (Buffer.isBuffer(frame)) this.queued.push(frame)
    else {
      this.queued.push(frame.head)
      if (frame.body !== undefined) {
        this.queued.push(frame.body)
        this.queuedLarge = true
      }
    }
    if (onWritten !== undefined) this.callbacks.push(onWritten)
    const batch = this.batch
    if (this.queued.length >= this.flushAt) this.flush()
    return batch
  }

  private flushScheduled = false
  private readonly flushAtTickEnd = (): void => {
    this.flushScheduled = false
    if (this.queued.length > 0) this.flush()
  }

  private flush(): void {
    const chunks = this.queued
    const callbacks = this.callbacks
    const large = this.queuedLarge
    this.queued = []
    this.callbacks = []
    this.queuedLarge = false
    this.batch.sentAt = performance.now()
    const done = callbacks.length === 0
      ? undefined
      : (error: Error | null | undefined) => {
        for (const callback of callbacks) callback(error)
      }
    if (this.socket.destroyed) return done?.(new Error(`the connection to ${this.address} is closed`))
    if (chunks.length === 1) this.socket.write(chunks[0]!, done)
    else if (!large) this.socket.write(Buffer.concat(chunks), done)
    else {
      // Bodies of 16 KiB and more go as they are; what lies between them is joined, since each socket write has a
      // cost of its own that copying a few KiB does not.
      const writes: Array<Uint8Array> = []
      let run: Array<Uint8Array> = []
      for (const chunk of chunks) {
        if (chunk.length < WRITTEN_ALONE) run.push(chunk)
        else {
          if (run.length > 0) writes.push(run.length === 1 ? run[0]! : Buffer.concat(run))
          run = []
          writes.push(chunk)
        }
      }
      if (run.length > 0) writes.push(run.length === 1 ? run[0]! : Buffer.concat(run))
      this.socket.cork()
      for (let i = 0; i < writes.length - 1; i++) this.socket.write(writes[i]!)
      this.socket.write(writes[writes.length - 1]!, done)
      this.socket.uncork()
    }
  }
}
