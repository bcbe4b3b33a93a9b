import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  OffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerCalls } from "./BrokerCalls.js"

/**
 * A consumer's offset calls to a queue's broker master (Java: `MQClientAPIImpl.queryConsumerOffset`,
 * `updateConsumerOffsetOneway`, `getMaxOffset`, `getMinOffset`, `searchOffset`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeOffsetApi = (calls: BrokerCalls) => {
  const { brokerError, call, callOk, headerOrDie, masterOf, oneway } = calls

  /** QUERY_CONSUMER_OFFSET: the group's offset on the broker, `None` when it has none (QUERY_NOT_FOUND). */
  const queryConsumerOffset = (group: string, queue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(QueryConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: queue.topic,
        queueId: queue.queueId,
        bname: queue.brokerName
      })
      const answer = yield* call("queryConsumerOffset", address, request(RequestCode.QUERY_CONSUMER_OFFSET, extFields))
      if (answer.code === ResponseCode.QUERY_NOT_FOUND) return Option.none<number>()
      if (answer.code !== ResponseCode.SUCCESS) {
        return yield* brokerError(address, RequestCode.QUERY_CONSUMER_OFFSET, answer)
      }
      const fields = Either.getOrUndefined(decodeHeader(QueryConsumerOffsetResponseHeader, answer.extFields))
      return Option.fromNullable(fields?.offset)
    })

  /** UPDATE_CONSUMER_OFFSET, oneway as Java's `persistAll` sends it. */
  const updateConsumerOffset = (group: string, queue: MessageQueue, commitOffset: number) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(UpdateConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: queue.topic,
        queueId: queue.queueId,
        commitOffset,
        bname: queue.brokerName
      })
      yield* oneway(address, request(RequestCode.UPDATE_CONSUMER_OFFSET, extFields, { oneway: true }))
    })

  /** A request answered with one offset (GET_MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP), to the queue's master. */
  const offsetCall = (name: string, queue: MessageQueue, code: number, extFields: { readonly [x: string]: string }) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const answer = yield* callOk(name, address, request(code, extFields))
      const fields = yield* Effect.mapError(
        decodeHeader(OffsetResponseHeader, answer.extFields),
        () => brokerError(address, code, answer)
      )
      return fields.offset
    })

  /** GET_MAX_OFFSET: the offset after a queue's last message (Java: `maxOffset`). */
  const maxOffset = (queue: MessageQueue) =>
    Effect.flatMap(
      headerOrDie(GetMaxOffsetRequestHeader, { topic: queue.topic, queueId: queue.queueId, bname: queue.brokerName }),
      (extFields) => offsetCall("maxOffset", queue, RequestCode.GET_MAX_OFFSET, extFields)
    )

  /** GET_MIN_OFFSET: the offset of a queue's first message still stored (Java: `minOffset`). */
  const minOffset = (queue: MessageQueue) =>
    Effect.flatMap(
      headerOrDie(GetMinOffsetRequestHeader, { topic: queue.topic, queueId: queue.queueId }),
      (extFields) => offsetCall("minOffset", queue, RequestCode.GET_MIN_OFFSET, extFields)
    )

  /** SEARCH_OFFSET_BY_TIMESTAMP: the offset of a queue's first message stored at or after `timestamp`. */
  const searchOffset = (queue: MessageQueue, timestamp: number) =>
    Effect.flatMap(
      headerOrDie(SearchOffsetRequestHeader, {
        topic: queue.topic,
        queueId: queue.queueId,
        timestamp,
        bname: queue.brokerName
      }),
      (extFields) => offsetCall("searchOffset", queue, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, extFields)
    )

  return { queryConsumerOffset, updateConsumerOffset, maxOffset, minOffset, searchOffset }
}
