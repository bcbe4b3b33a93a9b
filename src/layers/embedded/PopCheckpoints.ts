import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import { popRetryTopic } from "../../protocol/ExtraInfo.js"
import { MessageConst, RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import type { BrokerState } from "./BrokerState.js"

/** What the checkpoints use of the broker: its clock, fiber set, store and topics. */
type PopStoreAccess = Pick<BrokerState, "clock" | "background" | "store" | "topics" | "createTopic">

/**
 * The revive queue named in every pop checkpoint of the embedded broker (Java: one of `reviveQueueNum`, 8, chosen at
 * random per pop; clients only carry it back).
 *
 * @since 0.1.0
 * @category embedded
 */
export const REVIVE_QID = 0

/**
 * A popped message not yet acked: when it was popped and for how long it is invisible.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface Checkpoint {
  readonly group: string
  readonly topic: string
  readonly queueId: number
  readonly offset: number
  readonly popTime: number
  readonly invisibleTime: number
}

const keyOf = (group: string, topic: string, queueId: number, offset: number, popTime: number) =>
  `${group}\u0000${topic}\u0000${queueId}\u0000${offset}\u0000${popTime}`

/**
 * The pop checkpoints of an embedded broker (Java 5.x: `PopCheckPoint`s in the revive topic, `AckMessageProcessor`,
 * `ChangeInvisibleTimeProcessor`, `PopReviveService`): each popped message is invisible until its pop time plus its
 * invisible time; an ack (matching the pop time of its handle) removes it; changing its invisible time replaces it
 * with one popped now; one still there when its time ends is revived: written to the pop retry topic
 * `%RETRY%{group}_{topic}` with its reconsume times plus one and `1ST_POP_TIME`, whence the next pops take it.
 *
 * @since 0.1.0
 * @category embedded
 */
export class PopCheckpoints {
  private readonly table = new Map<string, Checkpoint>()
  constructor(private readonly state: PopStoreAccess) {}

  /** Adds the checkpoint of a popped message; its revival is forked into the broker's fiber set. */
  add(checkpoint: Checkpoint): Effect.Effect<void> {
    const key = keyOf(checkpoint.group, checkpoint.topic, checkpoint.queueId, checkpoint.offset, checkpoint.popTime)
    this.table.set(key, checkpoint)
    const due = checkpoint.popTime + checkpoint.invisibleTime
    const revive = Effect.flatMap(
      Effect.sync(() => Math.max(0, due - this.state.clock.unsafeCurrentTimeMillis())),
      (wait) => Effect.zipRight(Effect.sleep(wait), Effect.sync(() => this.revive(key)))
    )
    return Effect.asVoid(FiberSet.run(this.state.background, revive))
  }

  /** Removes a checkpoint: answers whether it was there (an ack of a handle no longer current finds none). */
  remove(group: string, topic: string, queueId: number, offset: number, popTime: number): boolean {
    return this.table.delete(keyOf(group, topic, queueId, offset, popTime))
  }

  /** Messages popped and neither acked nor revived yet. */
  get size(): number {
    return this.table.size
  }

  private revive(key: string): void {
    const ck = this.table.get(key)
    if (ck === undefined) return
    this.table.delete(key)
    const { clock, createTopic, store, topics } = this.state
    const message = store.messageAt(ck.topic, ck.queueId, ck.offset)
    if (message === undefined) return
    const retryTopic = ck.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? ck.topic : popRetryTopic(ck.group, ck.topic)
    if (!topics.has(retryTopic)) {
      createTopic({
        topicName: retryTopic,
        readQueueNums: 1,
        writeQueueNums: 1,
        perm: 6,
        topicSysFlag: 0,
        order: false
      })
    }
    const properties: Record<string, string> = { ...message.properties }
    if (message.reconsumeTimes === 0 || properties[MessageConst.FIRST_POP_TIME] === undefined) {
      properties[MessageConst.FIRST_POP_TIME] = String(ck.popTime)
    }
    const stored = store.append({
      topic: retryTopic,
      queueId: 0,
      flag: message.flag,
      properties,
      body: message.body,
      sysFlag: message.sysFlag,
      bornTimestamp: message.bornTimestamp,
      bornHost: store.storeHost,
      reconsumeTimes: message.reconsumeTimes + 1,
      preparedTransactionOffset: 0
    }, clock.unsafeCurrentTimeMillis())
    if (Either.isLeft(stored)) this.table.set(key, ck)
  }
}
