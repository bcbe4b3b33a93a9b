import * as Either from "effect/Either"
import { MessageConst } from "../../protocol/MessageConst.js"
import { encodeMessageRecord, type MessageExt } from "../../protocol/MessageDecoder.js"
import { MessageSysFlag, resetTransactionValue } from "../../protocol/MessageSysFlag.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import type { ClientRegistry } from "./ClientRegistry.js"
import type { MessageStore, MessageToStore } from "./MessageStore.js"

/**
 * The topic holding half (prepared) messages (Java: `TransactionalMessageUtil.buildHalfTopic()`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const HALF_TOPIC = "RMQ_SYS_TRANS_HALF_TOPIC"

/**
 * When and how often the broker asks producers about transactions left unknown (Java: `BrokerConfig`'s
 * `transactionTimeOut` 6 s, `transactionCheckInterval` 60 s, `transactionCheckMax` 15).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface TransactionCheckOptions {
  readonly transactionTimeoutMillis: number
  readonly transactionCheckIntervalMillis: number
  readonly transactionCheckMax: number
}

interface HalfMessage {
  readonly commitLogOffset: number
  readonly queueOffset: number
  readonly storeTimestamp: number
  resolved: boolean
}

/**
 * The broker's transactions (Java: `TransactionalMessageServiceImpl`, `EndTransactionProcessor` and
 * `TransactionalMessageCheckService`): half messages kept invisible on the half topic until END_TRANSACTION commits
 * (the message goes to its real queue) or rolls back; those left unknown are checked back with a producer of their
 * group, up to the maximum number of checks.
 *
 * @since 0.1.0
 * @category embedded
 */
export class Transactions {
  private readonly half = new Map<number, HalfMessage>()

  constructor(
    private readonly store: MessageStore,
    private readonly clients: ClientRegistry,
    private readonly options: TransactionCheckOptions
  ) {}

  /** Stores a prepared message on the half topic, with its real topic and queue in its properties. */
  prepare(message: MessageToStore, now: number) {
    const result = this.store.append({
      ...message,
      topic: HALF_TOPIC,
      queueId: 0,
      sysFlag: resetTransactionValue(message.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE),
      properties: {
        ...message.properties,
        [MessageConst.REAL_TOPIC]: message.topic,
        [MessageConst.REAL_QID]: String(message.queueId)
      }
    }, now)
    if (Either.isRight(result)) {
      const { commitLogOffset, queueOffset } = result.right
      this.half.set(commitLogOffset, { commitLogOffset, queueOffset, storeTimestamp: now, resolved: false })
    }
    return result
  }

  /**
   * Ends a transaction (Java: `EndTransactionProcessor`): commit puts the message on its real queue, rollback drops
   * it, unknown (0) leaves it to the check-back. A half message of another group, or one already ended, is ignored.
   */
  end(
    header: {
      readonly producerGroup: string
      readonly commitLogOffset: number
      readonly commitOrRollback: number
    },
    now: number
  ): void {
    if (header.commitOrRollback === MessageSysFlag.TRANSACTION_NOT_TYPE) return
    const half = this.half.get(header.commitLogOffset)
    const message = this.store.lookMessageByOffset(header.commitLogOffset)
    if (half === undefined || half.resolved || message === undefined) return
    if (message.properties[MessageConst.PGROUP] !== header.producerGroup) return
    half.resolved = true
    if (header.commitOrRollback !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return
    this.store.append({
      topic: message.properties[MessageConst.REAL_TOPIC] ?? message.topic,
      queueId: Number(message.properties[MessageConst.REAL_QID] ?? 0),
      flag: message.flag,
      properties: message.properties,
      body: message.body,
      sysFlag: resetTransactionValue(message.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE),
      bornTimestamp: message.bornTimestamp,
      bornHost: message.bornHost,
      reconsumeTimes: message.reconsumeTimes,
      preparedTransactionOffset: header.commitLogOffset
    }, now)
  }

  /**
   * One round of the check-back (Java: `TransactionalMessageServiceImpl.check`): each half message left unknown past
   * the transaction timeout is put back with one more check counted and WAIT=false, and a producer of its group is
   * asked about it with CHECK_TRANSACTION_STATE (oneway); past the maximum number of checks it is dropped.
   */
  check(now: number): void {
    for (const half of [...this.half.values()]) {
      if (half.resolved || now - half.storeTimestamp < this.options.transactionTimeoutMillis) continue
      const message = this.store.lookMessageByOffset(half.commitLogOffset)
      if (message === undefined) continue
      const checks = Number(message.properties[MessageConst.TRANSACTION_CHECK_TIMES] ?? 0) + 1
      half.resolved = true
      if (checks > this.options.transactionCheckMax) continue
      const group = message.properties[MessageConst.PGROUP] ?? ""
      const producers = this.clients.producersOf(group)
      if (producers.length === 0) {
        half.resolved = false
        continue
      }
      const renewed = this.store.append({
        topic: HALF_TOPIC,
        queueId: 0,
        flag: message.flag,
        properties: {
          ...message.properties,
          [MessageConst.TRANSACTION_CHECK_TIMES]: String(checks),
          [MessageConst.WAIT]: "false"
        },
        body: message.body,
        sysFlag: message.sysFlag,
        bornTimestamp: message.bornTimestamp,
        bornHost: message.bornHost,
        reconsumeTimes: message.reconsumeTimes,
        preparedTransactionOffset: 0
      }, now)
      if (Either.isLeft(renewed)) continue
      const { commitLogOffset, offsetMsgId, queueOffset } = renewed.right
      this.half.set(commitLogOffset, { commitLogOffset, queueOffset, storeTimestamp: now, resolved: false })
      const stored = this.store.lookMessageByOffset(commitLogOffset)
      if (stored === undefined) continue
      const producer = producers[Math.floor(Math.random() * producers.length)]!
      producer.connection.send(checkRequest(stored, commitLogOffset, queueOffset, offsetMsgId))
    }
  }
}

/** CHECK_TRANSACTION_STATE for a half message, carrying it with its real topic and queue (Java: `Broker2Client`). */
const checkRequest = (stored: MessageExt, commitLogOffset: number, queueOffset: number, offsetMsgId: string) => {
  const uniqueId = stored.properties[MessageConst.UNIQ_KEY]
  const body = Either.getOrThrow(encodeMessageRecord({
    ...stored,
    topic: stored.properties[MessageConst.REAL_TOPIC] ?? stored.topic,
    queueId: Number(stored.properties[MessageConst.REAL_QID] ?? 0)
  }))
  return request(
    RequestCode.CHECK_TRANSACTION_STATE,
    {
      commitLogOffset: String(commitLogOffset),
      tranStateTableOffset: String(queueOffset),
      offsetMsgId,
      ...(uniqueId === undefined ? {} : { msgId: uniqueId, transactionId: uniqueId })
    },
    { body, oneway: true }
  )
}
