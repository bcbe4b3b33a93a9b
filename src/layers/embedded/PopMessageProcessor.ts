import * as Effect from "effect/Effect"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import { formatPopOffsetInfo, popRetryTopic } from "../../protocol/ExtraInfo.js"
import { PopMessageRequestHeader } from "../../protocol/headers/PopHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { parseTagExpression } from "../../protocol/TagFilter.js"
import type { BrokerState } from "./BrokerState.js"
import { fail, offsetKey, withHeader } from "./BrokerState.js"
import { type Checkpoint, type PopCheckpoints, REVIVE_QID } from "./PopCheckpoints.js"

/** Java: a pop asks for 32 messages at most. */
const MAX_POP_NUMS = 32

type PopHeader = typeof PopMessageRequestHeader.Type

/**
 * The broker's pop path (Java 5.x: `PopMessageProcessor`): a pop takes messages from the group's offset on the topic's queues (every queue for queue id -1, the pop retry
 * topic's first), moves the offset past them at once and keeps a checkpoint per message, which an ack removes and a
 * change of invisible time renews; with nothing to take, a long poll waits for a message up to its poll time and
 * answers POLLING_TIMEOUT.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makePopMessageProcessor = (state: BrokerState, checkpoints: PopCheckpoints) => {
  const { clock, consumerOffsets, store, topics } = state
  let turn = 0

  /** The group's pop offset of a queue: its consume offset, or where `initMode` starts a new group (Java: `getPopOffset`). */
  const popOffset = (header: PopHeader, topic: string, queueId: number) => {
    const key = offsetKey(header.consumerGroup, topic, queueId)
    const stored = consumerOffsets.get(key)
    if (stored !== undefined) return stored
    if (header.initMode === 0) return 0
    const last = Math.max(0, store.maxOffset(topic, queueId) - 1)
    consumerOffsets.set(key, last)
    return last
  }

  const popMessage = (request: RemotingCommand, allowPoll: boolean): Effect.Effect<RemotingCommand | undefined> =>
    withHeader(request, PopMessageRequestHeader, (header) =>
      Effect.suspend(() => {
        const topic = topics.get(header.topic)
        if (header.maxMsgNums > MAX_POP_NUMS) {
          return fail(request, ResponseCode.SYSTEM_ERROR, "the broker poping message's num is greater than 32")
        }
        if (topic === undefined) {
          return fail(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist, apply first please!`)
        }
        if ((topic.perm & PermName.READ) === 0) {
          return fail(request, ResponseCode.NO_PERMISSION, `the topic[${header.topic}] peeking message is forbidden`)
        }
        if (header.queueId >= topic.readQueueNums) {
          return fail(request, ResponseCode.SYSTEM_ERROR, `queueId[${header.queueId}] is illegal`)
        }
        const codes = header.expType === "SQL92" ? [] : parseTagExpression(header.exp ?? "*").codes
        const popTime = clock.unsafeCurrentTimeMillis()
        const records: Array<Buffer> = []
        const starts: Array<{ retry: boolean; queueId: number; offsets: Array<number> }> = []
        const taken: Array<{ retry: boolean; queueId: number; offsets: Array<number> }> = []
        const popped: Array<Checkpoint> = []
        let restNum = 0
        const popQueue = (topicName: string, queueId: number, retry: boolean) => {
          const offset = popOffset(header, topicName, queueId)
          const wanted = header.maxMsgNums - records.length
          if (wanted <= 0) {
            restNum += Math.max(0, store.maxOffset(topicName, queueId) - offset)
            return
          }
          const result = store.getMessages(topicName, queueId, offset, wanted, codes)
          const next = result.status === "FOUND" || result.status === "NO_MATCHED_MESSAGE"
            ? result.nextBeginOffset
            : offset
          restNum += Math.max(0, result.maxOffset - next)
          if (result.records.length === 0) {
            if (next !== offset) consumerOffsets.set(offsetKey(header.consumerGroup, topicName, queueId), next)
            return
          }
          // The queue offset of a record: after its size, magic, body CRC, queue id and flag.
          const offsets = result.records.map((r) => Number(r.readBigInt64BE(20)))
          starts.push({ retry, queueId, offsets: [offset] })
          taken.push({ retry, queueId, offsets })
          records.push(...result.records)
          consumerOffsets.set(offsetKey(header.consumerGroup, topicName, queueId), next)
          for (const o of offsets) {
            popped.push({
              group: header.consumerGroup,
              topic: topicName,
              queueId,
              offset: o,
              popTime,
              invisibleTime: header.invisibleTime
            })
          }
        }
        const eachQueue = (topicName: string, retry: boolean) => {
          const config = topics.get(topicName)
          if (config === undefined) return
          if (header.queueId >= 0 && !retry) return popQueue(topicName, header.queueId, retry)
          const start = turn++
          for (let i = 0; i < config.readQueueNums; i++) popQueue(topicName, (start + i) % config.readQueueNums, retry)
        }
        if (header.order !== true) eachQueue(popRetryTopic(header.consumerGroup, header.topic), true)
        eachQueue(header.topic, false)
        const fields = {
          invisibleTime: String(header.invisibleTime),
          popTime: String(popTime),
          reviveQid: String(REVIVE_QID),
          restNum: String(restNum),
          startOffsetInfo: formatPopOffsetInfo(starts),
          msgOffsetInfo: formatPopOffsetInfo(taken)
        }
        if (records.length > 0) {
          return Effect.as(
            Effect.forEach(popped, (ck) => checkpoints.add(ck), { discard: true }),
            response(request, ResponseCode.SUCCESS, {
              remark: "FOUND",
              extFields: fields,
              body: Buffer.concat(records)
            })
          )
        }
        if (allowPoll && header.pollTime > 0 && header.bornTime > 0) {
          // Long polling (Java: `PopMessageProcessor.polling`): answer once a message arrives on a queue asked for,
          // or the poll time passes.
          const queues = header.queueId >= 0
            ? [header.queueId]
            : Array.from({ length: topic.readQueueNums }, (_, i) => i)
          const retry = popRetryTopic(header.consumerGroup, header.topic)
          return Effect.async<void>((resume) => {
            const stops = [
              ...queues.map((q) => store.onArrival(header.topic, q, () => done())),
              store.onArrival(retry, 0, () => done())
            ]
            const done = () => {
              for (const stop of stops) stop()
              resume(Effect.void)
            }
            return Effect.sync(() => stops.forEach((stop) => stop()))
          }).pipe(
            Effect.timeout(header.pollTime),
            Effect.option,
            Effect.zipRight(Effect.suspend(() => popMessage(request, false)))
          )
        }
        return Effect.succeed(
          response(request, ResponseCode.POLLING_TIMEOUT, { remark: "NO_MESSAGE_IN_QUEUE", extFields: fields })
        )
      }))

  return { popMessage: (request: RemotingCommand) => popMessage(request, true) }
}
