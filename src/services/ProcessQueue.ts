import type { MessageExt } from "../protocol/MessageDecoder.js"

/**
 * A set of messages ordered by queue offset (Java's `TreeMap<Long, MessageExt>`): two parallel arrays, the offsets
 * sorted and the message at each (`undefined` once removed), read from a moving head. Messages come in at the end (a
 * pull's offsets are above the last one) and mostly leave from the front, so a removal only leaves a hole at its
 * place (found at the head, else by binary search) and the head moves past holes; the arrays are compacted when
 * holes outnumber the messages. No removal shifts the arrays (a `splice` per consumed message did, over up to a
 * thousand cached offsets), and no map is kept beside them (a `Map` by offset cost a hash insertion and deletion per
 * message: bench/consume).
 */
class OffsetTree {
  private offsets: Array<number> = []
  private slots: Array<MessageExt | undefined> = []
  private head = 0
  private live = 0

  get size(): number {
    return this.live
  }
  /** How many offsets the arrays keep, holes and the consumed head included (for tests: it stays bounded). */
  get kept(): number {
    return this.offsets.length
  }
  first(): number | undefined {
    const slots = this.slots
    while (this.head < slots.length && slots[this.head] === undefined) this.head++
    this.trimHead()
    return this.head < this.offsets.length ? this.offsets[this.head] : undefined
  }
  last(): number | undefined {
    const slots = this.slots
    while (slots.length > this.head && slots[slots.length - 1] === undefined) {
      slots.pop()
      this.offsets.pop()
    }
    return slots.length > this.head ? this.offsets[slots.length - 1] : undefined
  }
  /** Adds a message; false when one with that offset is already held. */
  put(message: MessageExt): boolean {
    const offset = message.queueOffset
    const last = this.last()
    if (last === undefined || offset > last) {
      this.offsets.push(offset)
      this.slots.push(message)
    } else {
      // At or below the last offset (messages put back to be consumed again): into its hole, or into place.
      const at = this.find(offset)
      if (at >= 0) {
        if (this.slots[at] !== undefined) return false
        this.slots[at] = message
      } else {
        const insertAt = -(at + 1)
        this.offsets.splice(insertAt, 0, offset)
        this.slots.splice(insertAt, 0, message)
      }
    }
    this.live++
    return true
  }
  remove(offset: number): MessageExt | undefined {
    const at = this.offsets[this.head] === offset ? this.head : this.find(offset)
    if (at < 0) return undefined
    const message = this.slots[at]
    if (message === undefined) return undefined
    this.slots[at] = undefined
    this.live--
    if (at === this.head) this.advance()
    else if (this.offsets.length - this.head > 2 * this.live + 64) this.compact()
    return message
  }
  /** Removes and answers the first `n` messages in offset order. */
  takeFirst(n: number): Array<MessageExt> {
    const taken: Array<MessageExt> = []
    while (taken.length < n && this.first() !== undefined) {
      taken.push(this.slots[this.head]!)
      this.slots[this.head] = undefined
      this.live--
      this.advance()
    }
    return taken
  }
  clear(): void {
    this.offsets = []
    this.slots = []
    this.head = 0
    this.live = 0
  }
  /** The messages in offset order. */
  ordered(): Array<MessageExt> {
    const out: Array<MessageExt> = []
    for (let i = this.head; i < this.slots.length; i++) {
      const message = this.slots[i]
      if (message !== undefined) out.push(message)
    }
    return out
  }
  /** Binary search from the head: the index of `offset`, or where it would go (as `-(insertion point) - 1`). */
  private find(offset: number): number {
    const offsets = this.offsets
    let low = this.head
    let high = offsets.length - 1
    while (low <= high) {
      const mid = (low + high) >>> 1
      const value = offsets[mid]!
      if (value < offset) low = mid + 1
      else if (value > offset) high = mid - 1
      else return mid
    }
    return -(low + 1)
  }
  /** Moves the head past the first offset. */
  private advance(): void {
    this.head++
    this.trimHead()
  }
  /**
   * Drops the part before the head once it is all of the arrays or half of large ones (a cache that never empties,
   * under a backlog, would otherwise keep every offset it ever held).
   */
  private trimHead(): void {
    if (this.head === 0) return
    if (this.head === this.offsets.length) {
      this.offsets = []
      this.slots = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.offsets.length) this.compact()
  }
  /** Drops the holes and the consumed head. */
  private compact(): void {
    const offsets: Array<number> = []
    const slots: Array<MessageExt> = []
    for (let i = this.head; i < this.slots.length; i++) {
      const message = this.slots[i]
      if (message === undefined) continue
      offsets.push(this.offsets[i]!)
      slots.push(message)
    }
    this.offsets = offsets
    this.slots = slots
    this.head = 0
  }
}

/**
 * The messages of one queue that were pulled and are not yet consumed, ordered by queue offset (Java:
 * `ProcessQueue`). The offset a consumer may commit is the smallest offset not yet consumed, or the offset after the
 * largest one pulled when none is left: an offset is never committed past a message still in flight.
 *
 * Orderly consumption takes messages out in offset order into a consuming set, then commits them (or puts them back
 * to be consumed again).
 *
 * @since 0.1.0
 * @category consumer
 */
export class ProcessQueue {
  private readonly tree = new OffsetTree()
  private readonly consumingOrderly = new OffsetTree()
  private size = 0
  private maxOffset = -1
  private isDropped = false
  private consumingNow = false
  private isLocked = false
  private lockTimestamp = 0
  private pullTimestamp = 0
  private consumeTimestamp = 0

  /** Taken out of the consumer's hands by a rebalance or shutdown: results of its messages are not committed. */
  get dropped(): boolean {
    return this.isDropped
  }
  /** Orderly: a batch is being consumed, or waiting to be (Java: `consuming`). */
  get consuming(): boolean {
    return this.consumingNow
  }
  /** Orderly: the broker's lock on this queue is held (Java: `locked`). */
  get locked(): boolean {
    return this.isLocked
  }
  /** When the broker's lock was last taken or renewed. */
  get lastLockTimestamp(): number {
    return this.lockTimestamp
  }
  /** When the queue was last pulled (a queue idle too long is dropped and taken again). */
  get lastPullTimestamp(): number {
    return this.pullTimestamp
  }
  /** When a batch of the queue was last consumed. */
  get lastConsumeTimestamp(): number {
    return this.consumeTimestamp
  }
  /** Java's `tryUnlockTimes`, reported in the running info: this client never retries an unlock, so always 0. */
  get tryUnlockTimes(): number {
    return 0
  }

  /** Drops the queue (Java: `setDropped(true)`): for good, its results no longer committed. */
  drop(): void {
    this.isDropped = true
  }
  /** The broker's answer to a lock (Java: `setLocked`, `setLastLockTimestamp` when taken). */
  setLocked(locked: boolean, now: number): void {
    this.isLocked = locked
    if (locked) this.lockTimestamp = now
  }
  /** A pull of the queue starts (Java: `setLastPullTimestamp`). */
  pulledAt(now: number): void {
    this.pullTimestamp = now
  }
  /** A batch of the queue was consumed (Java: `setLastConsumeTimestamp`). */
  consumedAt(now: number): void {
    this.consumeTimestamp = now
  }

  /** How many offsets the cache's arrays keep, holes of removed ones included: bounded by a few times `count`. */
  get offsetsKept(): number {
    return this.tree.kept + this.consumingOrderly.kept
  }
  /** How many messages are cached (pulled and not consumed), the orderly consuming ones included. */
  get count(): number {
    return this.tree.size + this.consumingOrderly.size
  }
  /** The bytes of the cached bodies. */
  get bodyBytes(): number {
    return this.size
  }
  /** The distance between the smallest and the largest cached offset (Java: `getMaxSpan`). */
  get maxSpan(): number {
    const first = this.tree.first()
    return first === undefined ? 0 : this.tree.last()! - first
  }
  /** The smallest and largest cached offsets, or -1 each when empty. */
  get cachedRange(): { readonly min: number; readonly max: number } {
    return { min: this.tree.first() ?? -1, max: this.tree.last() ?? -1 }
  }
  /** The largest offset ever put in (Java: `queueOffsetMax`). */
  get queueOffsetMax(): number {
    return this.maxOffset
  }

  /**
   * Caches pulled messages (Java: `putMessage`); answers whether an orderly consumer should be started for the queue
   * (messages are waiting and none is being consumed).
   */
  putMessages(messages: ReadonlyArray<MessageExt>): boolean {
    for (const message of messages) {
      if (this.tree.put(message)) {
        this.size += message.body.length
        if (message.queueOffset > this.maxOffset) this.maxOffset = message.queueOffset
      }
    }
    const dispatch = this.tree.size > 0 && !this.consumingNow
    if (dispatch) this.consumingNow = true
    return dispatch
  }

  /**
   * Removes consumed messages (Java: `removeMessage`): answers the offset to commit, the smallest offset left or the
   * one after the largest ever put in, or -1 when nothing was cached.
   */
  removeMessages(messages: ReadonlyArray<MessageExt>): number {
    if (this.tree.size === 0) return -1
    for (const message of messages) {
      if (this.tree.remove(message.queueOffset) !== undefined) this.size -= message.body.length
    }
    return this.tree.first() ?? this.maxOffset + 1
  }

  /** Orderly: takes up to `batchSize` messages in offset order (Java: `takeMessages`); none ends the consuming. */
  takeMessages(batchSize: number): ReadonlyArray<MessageExt> {
    const taken = this.tree.takeFirst(batchSize)
    for (const message of taken) this.consumingOrderly.put(message)
    if (taken.length === 0) this.consumingNow = false
    return taken
  }

  /** Orderly: the taken messages are consumed; answers the offset to commit, or -1 when none were taken. */
  commit(): number {
    const last = this.consumingOrderly.last()
    if (last === undefined) return -1
    for (const message of this.consumingOrderly.ordered()) this.size -= message.body.length
    this.consumingOrderly.clear()
    return last + 1
  }

  /** Orderly: the taken messages go back, to be consumed again first (Java: `makeMessageToConsumeAgain`). */
  makeMessagesToConsumeAgain(messages: ReadonlyArray<MessageExt>): void {
    for (const message of messages) {
      const held = this.consumingOrderly.remove(message.queueOffset)
      if (held !== undefined) this.tree.put(message)
    }
  }

  /** Every message cached, in offset order. */
  messages(): ReadonlyArray<MessageExt> {
    return this.tree.ordered()
  }
}
