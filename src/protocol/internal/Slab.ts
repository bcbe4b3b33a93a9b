/**
 * Cuts buffers from large slabs, as `Buffer.allocUnsafe` cuts small ones from its 8 KiB pool, so that many buffers
 * share one `ArrayBuffer`: fewer allocations, and less of the external-memory pressure that makes V8 collect. A slab
 * is freed when the last buffer cut from it is. Buffers over `maxPiece` get one of their own.
 *
 * A buffer whose size is learned while writing it (a frame with its JSON header) is written into the slab's free
 * space (`slab` from `offset`) and then cut with `take`.
 */
export class Slab {
  private current: Buffer
  private at = 0

  constructor(private readonly slabSize: number, readonly maxPiece: number) {
    this.current = Buffer.allocUnsafeSlow(slabSize)
  }

  /** The current slab; its bytes from `offset` on are free. */
  get slab(): Buffer {
    return this.current
  }

  /** Where the current slab's free space starts. */
  get offset(): number {
    return this.at
  }

  /** Starts a new slab (the old one lives on in the buffers cut from it). */
  renew(): void {
    this.current = Buffer.allocUnsafeSlow(this.slabSize)
    this.at = 0
  }

  /** A buffer of `size` bytes, its content not set. */
  alloc(size: number): Buffer {
    if (size > this.maxPiece) return Buffer.allocUnsafe(size)
    if (this.at + size > this.slabSize) this.renew()
    return this.take(size)
  }

  /** Cuts the `size` bytes at `offset` (what was written there stays); they must fit in the slab. */
  take(size: number): Buffer {
    const piece = this.current.subarray(this.at, this.at + size)
    this.at = (this.at + size + 7) & ~7
    return piece
  }
}
