/**
 * Cuts buffers from large slabs, as `Buffer.allocUnsafe` cuts small ones from its 8 KiB pool, so that many buffers
 * share one `ArrayBuffer`: fewer allocations, and less of the external-memory pressure that makes V8 collect. A slab
 * is freed when the last buffer cut from it is. Buffers over `maxPiece` get one of their own.
 */
export class Slab {
  private slab: Buffer
  private offset = 0

  constructor(private readonly slabSize: number, private readonly maxPiece: number) {
    this.slab = Buffer.allocUnsafeSlow(slabSize)
  }

  /** A buffer of `size` bytes, its content not set. */
  alloc(size: number): Buffer {
    if (size > this.maxPiece) return Buffer.allocUnsafe(size)
    if (this.offset + size > this.slabSize) {
      this.slab = Buffer.allocUnsafeSlow(this.slabSize)
      this.offset = 0
    }
    const piece = this.slab.subarray(this.offset, this.offset + size)
    this.offset = (this.offset + size + 7) & ~7
    return piece
  }
}
