import * as Either from "effect/Either"
import { crc32 } from "node:zlib"
import type { HostAddress } from "../../protocol/HostAddress.js"
import { KEY_SEPARATOR, MessageConst } from "../../protocol/MessageConst.js"
import { decodeMessages, encodeMessageRecord, type MessageExt } from "../../protocol/MessageDecoder.js"
import { createOffsetMessageId } from "../../protocol/MessageId.js"
import type { MessageProperties } from "../../protocol/MessageProperties.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { javaStringHashCode, matchesTagCodes } from "../../protocol/TagFilter.js"
import { lowerBound } from "../../services/LowerBound.js"

/**
 * A topic's configuration on a broker (Java: `TopicConfig`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface TopicConfig {
  readonly topicName: string
  readonly readQueueNums: number
  readonly writeQueueNums: number
  readonly perm: number
  readonly topicSysFlag: number
  readonly order: boolean
}

/** One entry of a consume queue: the stored record and what the queue keeps beside it. */
interface QueueEntry {
  readonly record: Buffer
  readonly storeTimestamp: number
  readonly tagsCode: number | undefined
}

/**
 * A message to store, as the broker builds it from a send request (Java: `MessageExtBrokerInner`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface MessageToStore {
  readonly topic: string
  readonly queueId: number
  readonly flag: number
  readonly properties: MessageProperties
  readonly body: Uint8Array
  readonly sysFlag: number
  readonly bornTimestamp: number
  readonly bornHost: HostAddress
  readonly reconsumeTimes: number
  readonly preparedTransactionOffset: number
}

/**
 * Where a stored message went (Java: `AppendMessageResult`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface AppendResult {
  readonly queueOffset: number
  readonly commitLogOffset: number
  readonly offsetMsgId: string
  readonly storeTimestamp: number
  readonly size: number
}

/**
 * What a read of a consume queue found (Java: `GetMessageStatus` and `GetMessageResult`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface GetMessageResult {
  readonly status:
    | "FOUND"
    | "NO_MATCHED_MESSAGE"
    | "NO_MESSAGE_IN_QUEUE"
    | "OFFSET_OVERFLOW_ONE"
    | "OFFSET_OVERFLOW_BADLY"
    | "OFFSET_TOO_SMALL"
  readonly records: ReadonlyArray<Buffer>
  readonly nextBeginOffset: number
  readonly minOffset: number
  readonly maxOffset: number
}

/** One consume queue (Java: `ConsumeQueue`): its entries in queue-offset order, and the readers waiting for more. */
class ConsumeQueue {
  readonly entries: Array<QueueEntry> = []
  readonly arrivals = new Set<() => void>()
}

/** Java's limits on one read: 32 messages and 256 KiB from memory, at most 16,000 queue entries scanned. */
const MAX_TRANSFER_COUNT = 32
const MAX_TRANSFER_BYTES = 256 * 1024
const MAX_FILTER_SCAN = 16000

/**
 * A broker's in-memory store (Java: `DefaultMessageStore` with its commit log and consume queues): per topic and
 * queue a log of records exactly as the broker encodes them, with queue offsets, commit-log offsets and the tag hash
 * the consume queue keeps. Nothing is ever deleted, so every queue's minimum offset is 0.
 *
 * @since 0.1.0
 * @category embedded
 */
export class MessageStore {
  /** Consume queues by topic, then by queue id. */
  private readonly queues = new Map<string, Array<ConsumeQueue | undefined>>()
  /** The commit log's records in order, with the offset of each (ascending), for lookups by offset. */
  private readonly commitLog: Array<Buffer> = []
  private readonly commitLogOffsets: Array<number> = []
  private commitLogOffset = 0
  /** Commit-log positions by `topic#key` for every key and unique key (Java: `IndexService`), in store order. */
  private readonly keyIndex = new Map<string, Array<number>>()
  /** The store time of each commit-log record, by position. */
  private readonly storeTimes: Array<number> = []

  constructor(readonly storeHost: HostAddress) {}

  /** The consume queue of a topic's queue, made when `create` and not there yet. */
  private queue(topic: string, queueId: number, create: true): ConsumeQueue
  private queue(topic: string, queueId: number, create: false): ConsumeQueue | undefined
  private queue(topic: string, queueId: number, create: boolean): ConsumeQueue | undefined {
    let byId = this.queues.get(topic)
    if (byId === undefined) {
      if (!create) return undefined
      byId = []
      this.queues.set(topic, byId)
    }
    let queue = byId[queueId]
    if (queue === undefined && create) {
      queue = new ConsumeQueue()
      byId[queueId] = queue
    }
    return queue
  }

  /** Appends a message; its record is encoded with its offsets, store time, store host and body CRC. */
  append(message: MessageToStore, now: number): Either.Either<AppendResult, ProtocolError> {
    const queue = this.queue(message.topic, message.queueId, true)
    const queueOffset = queue.entries.length
    const commitLogOffset = this.commitLogOffset
    const encoded = encodeMessageRecord({
      topic: message.topic,
      queueId: message.queueId,
      flag: message.flag,
      properties: message.properties,
      body: message.body,
      sysFlag: message.sysFlag,
      bornTimestamp: message.bornTimestamp,
      bornHost: message.bornHost,
      reconsumeTimes: message.reconsumeTimes,
      preparedTransactionOffset: message.preparedTransactionOffset,
      queueOffset,
      commitLogOffset,
      storeTimestamp: now,
      storeHost: this.storeHost,
      bodyCRC: crc32(message.body) & 0x7fffffff
    })
    if (Either.isLeft(encoded)) return Either.left(encoded.left)
    const record = encoded.right
    const tags = message.properties[MessageConst.TAGS]
    queue.entries.push({
      record,
      storeTimestamp: now,
      tagsCode: tags === undefined ? undefined : javaStringHashCode(tags)
    })
    this.index(message, this.commitLog.length)
    this.commitLog.push(record)
    this.commitLogOffsets.push(commitLogOffset)
    this.storeTimes.push(now)
    this.commitLogOffset += record.length
    if (queue.arrivals.size > 0) { for (const wake of [...queue.arrivals]) wake() }
    return Either.right({
      queueOffset,
      commitLogOffset,
      offsetMsgId: createOffsetMessageId(this.storeHost, commitLogOffset),
      storeTimestamp: now,
      size: record.length
    })
  }

  /** Puts a message's keys and unique key in the index (Java: `IndexService.buildIndex`, `topic#key`). */
  private index(message: MessageToStore, position: number): void {
    const keys = message.properties[MessageConst.KEYS]
    const unique = message.properties[MessageConst.UNIQ_KEY]
    if (keys === undefined && unique === undefined) return
    const all = keys === undefined ? [] : keys.split(KEY_SEPARATOR)
    if (unique !== undefined) all.push(unique)
    for (const key of new Set(all)) {
      if (key.length === 0) continue
      const indexKey = `${message.topic}#${key}`
      const positions = this.keyIndex.get(indexKey)
      if (positions === undefined) this.keyIndex.set(indexKey, [position])
      else positions.push(position)
    }
  }

  /**
   * The records of a topic with a key (or unique key) stored in [begin, end], the latest `maxNum` of them in store
   * order (Java: `DefaultMessageStore.queryMessage` over the index).
   */
  queryByKey(topic: string, key: string, begin: number, end: number, maxNum: number): ReadonlyArray<Buffer> {
    const positions = (this.keyIndex.get(`${topic}#${key}`) ?? []).filter((p) =>
      this.storeTimes[p]! >= begin && this.storeTimes[p]! <= end
    )
    return positions.slice(Math.max(0, positions.length - maxNum)).map((p) => this.commitLog[p]!)
  }

  /** The record stored at a commit-log offset, as stored (Java: `selectOneMessageByOffset`). */
  recordAt(commitLogOffset: number): Buffer | undefined {
    const offsets = this.commitLogOffsets
    const low = lowerBound(offsets.length, (i) => offsets[i]! < commitLogOffset)
    return offsets[low] === commitLogOffset ? this.commitLog[low] : undefined
  }

  /** The message stored at a commit-log offset, its body as stored (Java: `lookMessageByOffset`). */
  lookMessageByOffset(commitLogOffset: number): MessageExt | undefined {
    const record = this.recordAt(commitLogOffset)
    return record === undefined ? undefined : Either.getOrUndefined(decodeMessages(record, { decompress: false }))?.[0]
  }

  /** The commit log's size in bytes (Java: `getMaxPhyOffset`) and its number of records. */
  get commitLogMaxOffset(): number {
    return this.commitLogOffset
  }

  get messageCount(): number {
    return this.commitLog.length
  }

  /** When the message at a queue offset was stored, or 0 when there is none (Java: `getMessageStoreTimeStamp`). */
  storeTimestampAt(topic: string, queueId: number, offset: number): number {
    return this.queue(topic, queueId, false)?.entries[offset]?.storeTimestamp ?? 0
  }

  /** Drops a topic's consume queues (Java: `cleanUnusedTopic`); its records stay in the commit log. */
  deleteTopic(topic: string): void {
    this.queues.delete(topic)
  }

  maxOffset(topic: string, queueId: number): number {
    return this.queue(topic, queueId, false)?.entries.length ?? 0
  }

  minOffset(_topic: string, _queueId: number): number {
    return 0
  }

  /** Reads up to `maxMsgNums` records from `offset` that pass the tag codes (Java: `DefaultMessageStore.getMessage`). */
  getMessages(
    topic: string,
    queueId: number,
    offset: number,
    maxMsgNums: number,
    tagCodes: ReadonlyArray<number>
  ): GetMessageResult {
    const queue = this.queue(topic, queueId, false)?.entries ?? []
    const minOffset = 0
    const maxOffset = queue.length
    const result = (status: GetMessageResult["status"], nextBeginOffset: number, records: Array<Buffer> = []) => ({
      status,
      records,
      nextBeginOffset,
      minOffset,
      maxOffset
    })
    if (maxOffset === 0) return result("NO_MESSAGE_IN_QUEUE", 0)
    if (offset < minOffset) return result("OFFSET_TOO_SMALL", minOffset)
    if (offset === maxOffset) return result("OFFSET_OVERFLOW_ONE", offset)
    if (offset > maxOffset) return result("OFFSET_OVERFLOW_BADLY", minOffset === 0 ? minOffset : maxOffset)
    const records: Array<Buffer> = []
    const wanted = Math.min(maxMsgNums, MAX_TRANSFER_COUNT)
    let bytes = 0
    let next = offset
    for (; next < maxOffset && next - offset < MAX_FILTER_SCAN; next++) {
      const entry = queue[next]!
      if (!matchesTagCodes(tagCodes, entry.tagsCode)) continue
      if (records.length > 0 && bytes + entry.record.length > MAX_TRANSFER_BYTES) break
      records.push(entry.record)
      bytes += entry.record.length
      if (records.length >= wanted) {
        next++
        break
      }
    }
    return result(records.length > 0 ? "FOUND" : "NO_MATCHED_MESSAGE", next, records)
  }

  /** The message at a queue offset, its body as stored (the pop revive service reads a message by its offset). */
  messageAt(topic: string, queueId: number, offset: number): MessageExt | undefined {
    const record = this.queue(topic, queueId, false)?.entries[offset]?.record
    return record === undefined ? undefined : Either.getOrUndefined(decodeMessages(record, { decompress: false }))?.[0]
  }

  /** The first offset whose message was stored at or after `timestamp`; the max offset when none was. */
  searchOffset(topic: string, queueId: number, timestamp: number): number {
    const queue = this.queue(topic, queueId, false)?.entries ?? []
    return lowerBound(queue.length, (i) => queue[i]!.storeTimestamp < timestamp)
  }

  /** When the queue's first message was stored, or -1 for an empty queue. */
  earliestStoreTime(topic: string, queueId: number): number {
    return this.queue(topic, queueId, false)?.entries[0]?.storeTimestamp ?? -1
  }

  /** Calls `wake` at the next message appended to the queue; returns how to stop waiting. */
  onArrival(topic: string, queueId: number, wake: () => void): () => void {
    const waiting = this.queue(topic, queueId, true).arrivals
    waiting.add(wake)
    return () => void waiting.delete(wake)
  }
}
