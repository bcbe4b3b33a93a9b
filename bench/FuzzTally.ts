// What a fuzz target saw: counts, the first finding of each kind (with the input's hex), and how to add up parts of
// a run done in different workers.
import type { FuzzFrame } from "./FrameMutations.js"

/** A crash, hang, mismatch or masked exception: where, what, and the input (hex, cut at 8 KiB). */
export interface Finding {
  readonly target: string
  readonly index: number
  readonly what: string
  readonly how: string
  readonly hex: string
}

/** What a target saw; plain data, so a worker can post it. */
export interface Tally {
  readonly target: string
  frames: number
  /** Decoder calls (or frames read from a stream) that gave a value, and those that gave a typed error. */
  ok: number
  typed: number
  crashes: number
  hangs: number
  mismatches: number
  /** Typed errors made from a foreign exception (a `ProtocolError` with offset -1): not crashes, but worth a look. */
  masked: number
  busyMs: number
  slowestMs: number
  slowestIndex: number
  firstCrash?: Finding
  firstHang?: Finding
  firstMismatch?: Finding
  firstMasked?: Finding
}

export const emptyTally = (target: string): Tally => ({
  target,
  frames: 0,
  ok: 0,
  typed: 0,
  crashes: 0,
  hangs: 0,
  mismatches: 0,
  masked: 0,
  busyMs: 0,
  slowestMs: 0,
  slowestIndex: -1
})

/** Adds `b` (a later part of the same run) to `a`. */
export const mergeTally = (a: Tally, b: Tally): Tally => ({
  ...a,
  frames: a.frames + b.frames,
  ok: a.ok + b.ok,
  typed: a.typed + b.typed,
  crashes: a.crashes + b.crashes,
  hangs: a.hangs + b.hangs,
  mismatches: a.mismatches + b.mismatches,
  masked: a.masked + b.masked,
  busyMs: a.busyMs + b.busyMs,
  slowestMs: Math.max(a.slowestMs, b.slowestMs),
  slowestIndex: a.slowestMs >= b.slowestMs ? a.slowestIndex : b.slowestIndex,
  ...(a.firstCrash ?? b.firstCrash ? { firstCrash: a.firstCrash ?? b.firstCrash } : {}),
  ...(a.firstHang ?? b.firstHang ? { firstHang: a.firstHang ?? b.firstHang } : {}),
  ...(a.firstMismatch ?? b.firstMismatch ? { firstMismatch: a.firstMismatch ?? b.firstMismatch } : {}),
  ...(a.firstMasked ?? b.firstMasked ? { firstMasked: a.firstMasked ?? b.firstMasked } : {})
})

const HEX_LIMIT = 8192

export const finding = (target: string, index: number, what: string, input: FuzzFrame): Finding => ({
  target,
  index,
  what,
  how: input.how,
  hex: input.bytes.length > HEX_LIMIT
    ? `${input.bytes.subarray(0, HEX_LIMIT).toString("hex")}... (${input.bytes.length} bytes)`
    : input.bytes.toString("hex")
})

export const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message} ${e.stack?.split("\n")[1]?.trim() ?? ""}`.trim() : String(e)
