import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import {
  ConsumeStats,
  type OffsetWrapper,
  ResetOffsetBody,
  TopicStatsTable
} from "../../protocol/bodies/AdminBodies.js"
import { GetConsumeStatsRequestHeader, GetTopicStatsInfoRequestHeader } from "../../protocol/headers/AdminHeaders.js"
import { ResetOffsetRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  GetMaxOffsetRequestHeader,
  OffsetResponseHeader,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import { compareMessageQueues, type MessageQueue } from "../../protocol/MessageQueue.js"
import { ProtocolError } from "../../protocol/ProtocolError.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import {
  type AdminService,
  AdminValidationError,
  type BrokerAddress,
  type ResetOffsetRequest,
  type ResetQueueOffset
} from "../../services/Admin.js"
import { checkGroupName, checkTopicName } from "../../services/AdminValidation.js"
import type { AdminCalls } from "./AdminCalls.js"

const checkReset = (reset: ResetOffsetRequest) =>
  Effect.gen(function*() {
    yield* checkGroupName(reset.group)
    yield* checkTopicName(reset.topic)
    if (!Number.isSafeInteger(reset.timestamp) || reset.timestamp < -1) {
      return yield* new AdminValidationError({
        field: "timestamp",
        value: reset.timestamp,
        reason: "must be epoch milliseconds, or -1 for the end of each queue"
      })
    }
  })

const byQueue = (a: ResetQueueOffset, b: ResetQueueOffset) => compareMessageQueues(a, b)

/**
 * Resetting a group's offsets to a timestamp (Java: `DefaultMQAdminExtImpl.resetOffsetByTimestamp`, and
 * `resetOffsetByTimestampOld` with its `resetOffsetConsumeOffset` for a group with no consumer online).
 *
 * @since 0.1.0
 * @category admin
 */
export const makeOffsets = (calls: AdminCalls) => {
  const { body, call, header, routeMasters } = calls

  const offsetOf = (broker: BrokerAddress, code: number, extFields: Readonly<Record<string, string>>) =>
    Effect.flatMap(
      call(broker.address, request(code, extFields)),
      (answer) =>
        Either.match(decodeHeader(OffsetResponseHeader, answer.extFields), {
          onLeft: (e) => Effect.fail(new ProtocolError({ reason: e.message, offset: 0 })),
          onRight: (h) => Effect.succeed(h.offset)
        })
    )

  /** One queue set back (or forward when forced) to the timestamp's offset, as Java's `resetOffsetConsumeOffset`. */
  const resetQueue = (
    broker: BrokerAddress,
    group: string,
    queue: MessageQueue,
    offsets: OffsetWrapper,
    reset: ResetOffsetRequest
  ) =>
    Effect.gen(function*() {
      const at = { topic: queue.topic, queueId: queue.queueId }
      const timestampOffset = reset.timestamp === -1
        ? yield* offsetOf(broker, RequestCode.GET_MAX_OFFSET, yield* header(GetMaxOffsetRequestHeader, at))
        : yield* offsetOf(
          broker,
          RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
          yield* header(SearchOffsetRequestHeader, { ...at, timestamp: reset.timestamp })
        )
      const moves = (reset.force ?? true) || timestampOffset <= offsets.consumerOffset
      if (moves) {
        const extFields = yield* header(UpdateConsumerOffsetRequestHeader, {
          consumerGroup: group,
          ...at,
          commitOffset: timestampOffset
        })
        yield* call(broker.address, request(RequestCode.UPDATE_CONSUMER_OFFSET, extFields))
      }
      return {
        topic: queue.topic,
        brokerName: queue.brokerName,
        queueId: queue.queueId,
        offset: moves ? timestampOffset : offsets.consumerOffset,
        brokerOffset: offsets.brokerOffset,
        consumerOffset: offsets.consumerOffset,
        timestampOffset
      }
    })

  /** A broker's queues of the topic with the group's offsets: those it has, else every queue from its start. */
  const queuesOf = (broker: BrokerAddress, group: string, topic: string) =>
    Effect.gen(function*() {
      const stats = yield* Effect.flatMap(
        call(
          broker.address,
          request(RequestCode.GET_CONSUME_STATS, yield* header(GetConsumeStatsRequestHeader, { consumerGroup: group }))
        ),
        (answer) => body(ConsumeStats, answer)
      )
      const consumed = stats.offsetTable.filter(([q]) => q.topic === topic)
      if (consumed.length > 0) return consumed
      const table = yield* Effect.flatMap(
        call(
          broker.address,
          request(RequestCode.GET_TOPIC_STATS_INFO, yield* header(GetTopicStatsInfoRequestHeader, { topic }))
        ),
        (answer) => body(TopicStatsTable, answer)
      )
      return table.offsetTable.map(([q, o]) =>
        [q, { brokerOffset: o.maxOffset, consumerOffset: o.minOffset, lastTimestamp: 0 }] as const
      )
    })

  const resetOffsetOffline: AdminService["resetOffsetOffline"] = (reset) =>
    Effect.gen(function*() {
      yield* checkReset(reset)
      const perBroker = yield* Effect.forEach(yield* routeMasters(reset.topic), (broker) =>
        Effect.flatMap(queuesOf(broker, reset.group, reset.topic), (queues) =>
          Effect.forEach(queues, ([queue, offsets]) =>
            resetQueue(broker, reset.group, queue, offsets, reset))))
      return { mode: "offline" as const, queues: perBroker.flat().sort(byQueue) }
    })

  const resetOffset: AdminService["resetOffset"] = (reset) =>
    Effect.gen(function*() {
      yield* checkReset(reset)
      const extFields = yield* header(ResetOffsetRequestHeader, {
        topic: reset.topic,
        group: reset.group,
        timestamp: reset.timestamp,
        isForce: reset.force ?? true
      })
      const queues: Array<ResetQueueOffset> = []
      for (const broker of yield* routeMasters(reset.topic)) {
        const answer = yield* call(broker.address, request(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, extFields), [
          ResponseCode.SUCCESS,
          ResponseCode.CONSUMER_NOT_ONLINE
        ])
        // No consumer online: mqadmin's resetOffsetByTime falls back to writing the offsets itself.
        if (answer.code === ResponseCode.CONSUMER_NOT_ONLINE) return yield* resetOffsetOffline(reset)
        const table = yield* body(ResetOffsetBody, answer)
        for (const [q, offset] of table.offsetTable) {
          queues.push({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId, offset })
        }
      }
      return { mode: "live" as const, queues: queues.sort(byQueue) }
    })

  return { resetOffset, resetOffsetOffline }
}
