import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"

/**
 * Where to read a queue's consume offset from (Java: `ReadOffsetType`).
 *
 * @since 0.1.0
 * @category consumer
 */
export type ReadOffsetType = "READ_FROM_MEMORY" | "READ_FROM_STORE" | "MEMORY_FIRST_THEN_STORE"

/**
 * An offset store could not read or write where offsets are kept: the broker (clustering) or the local file
 * (broadcasting).
 *
 * @since 0.1.0
 * @category errors
 */
export class OffsetStoreError extends Data.TaggedError("OffsetStoreError")<{
  readonly operation: "load" | "read" | "persist"
  readonly target: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot ${this.operation} consume offsets (${this.target}): ${this.reason}`
  }
}

/**
 * The consume offsets of one consumer group (Java: `OffsetStore`): kept in memory as consumption goes on, persisted
 * by the client instance's task every 5 s, when a queue is dropped and at shutdown. The remote store keeps them on the
 * broker (clustering); the local file store in a file of this client (broadcasting).
 *
 * An offset of -1 means "none stored".
 *
 * @since 0.1.0
 * @category consumer
 */
export interface OffsetStoreService {
  /** Reads what was persisted before (Java: `load`); the remote store has nothing to load. */
  readonly load: Effect.Effect<void, OffsetStoreError>
  /** Sets a queue's offset in memory; with `increaseOnly` an offset is never moved backwards. */
  readonly updateOffset: (queue: MessageQueue, offset: number, increaseOnly: boolean) => Effect.Effect<void>
  /** A queue's offset, -1 when none is stored; reading from the store caches what it read. */
  readonly readOffset: (queue: MessageQueue, type: ReadOffsetType) => Effect.Effect<number, OffsetStoreError>
  /** Persists the offsets of these queues (Java: `persistAll`). */
  readonly persistAll: (queues: ReadonlyArray<MessageQueue>) => Effect.Effect<void, OffsetStoreError>
  /** Persists one queue's offset (Java: `persist`). */
  readonly persist: (queue: MessageQueue) => Effect.Effect<void, OffsetStoreError>
  /** Forgets a queue's offset in memory (Java: `removeOffset`). */
  readonly removeOffset: (queue: MessageQueue) => Effect.Effect<void>
  /** The offsets in memory of a topic's queues (Java: `cloneOffsetTable`). */
  readonly offsets: (topic: string) => Effect.Effect<ReadonlyArray<readonly [MessageQueue, number]>>
}

/**
 * The offsets in memory of an offset store, by queue (Java: `offsetTable`), shared by both stores.
 *
 * @since 0.1.0
 * @category consumer
 */
export class OffsetTable {
  private readonly table = new Map<string, { readonly queue: MessageQueue; offset: number }>()
  /** Keys by queue object: a consumer updates its queues' offsets on every batch, with the same objects. */
  private readonly keys = new WeakMap<MessageQueue, string>()

  private keyOf(queue: MessageQueue): string {
    let key = this.keys.get(queue)
    if (key === undefined) {
      key = messageQueueKey(queue)
      this.keys.set(queue, key)
    }
    return key
  }

  /** Sets an offset; with `increaseOnly` a smaller one is ignored (Java: `MixAll.compareAndIncreaseOnly`). */
  update(queue: MessageQueue, offset: number, increaseOnly: boolean): void {
    const key = this.keyOf(queue)
    const held = this.table.get(key)
    if (held === undefined) this.table.set(key, { queue, offset })
    else if (!increaseOnly || offset > held.offset) held.offset = offset
  }
  get(queue: MessageQueue): number | undefined {
    return this.table.get(this.keyOf(queue))?.offset
  }
  /**
   * The answer of a read that memory can give (Java: the first two cases of `readOffset`): the offset held, or -1
   * when only memory is to be read; `undefined` when the store must be read.
   */
  fromMemory(queue: MessageQueue, type: ReadOffsetType): number | undefined {
    const held = this.get(queue)
    if (type !== "READ_FROM_STORE" && held !== undefined) return held
    return type === "READ_FROM_MEMORY" ? -1 : undefined
  }
  remove(queue: MessageQueue): void {
    this.table.delete(this.keyOf(queue))
  }
  entries(): ReadonlyArray<readonly [MessageQueue, number]> {
    return [...this.table.values()].map((e) => [e.queue, e.offset] as const)
  }
}
