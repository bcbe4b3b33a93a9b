import * as Effect from "effect/Effect"
import { encodeBody } from "../../protocol/bodies/Body.js"
import { ConsumerListBody } from "../../protocol/bodies/ConsumerGroupBodies.js"
import { GetConsumerListByGroupRequestHeader } from "../../protocol/headers/ClientHeaders.js"
import {
  QueryConsumerOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, fail, offsetKey, withHeader } from "./BrokerState.js"

/**
 * The answer to an offset request: the offset in the `offset` header field.
 *
 * @since 0.1.0
 * @category embedded
 */
export const offsetResponse = (request: RemotingCommand, offset: number) =>
  Effect.succeed(response(request, ResponseCode.SUCCESS, { extFields: { offset: String(offset) } }))

/**
 * The broker's consumer-group requests (Java: `ConsumerManageProcessor`): the consumers of a group, and the group's
 * consumer offsets queried and updated.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeConsumerManageProcessor = (state: BrokerState) => {
  const { clients, consumerOffsets } = state

  const getConsumerListByGroup = (request: RemotingCommand) =>
    withHeader(request, GetConsumerListByGroupRequestHeader, (h) => {
      const ids = clients.consumerIds(h.consumerGroup)
      return ids.length === 0
        ? fail(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${h.consumerGroup}`)
        : Effect.succeed(
          response(request, ResponseCode.SUCCESS, { body: encodeBody(ConsumerListBody, { consumerIdList: ids }) })
        )
    })

  const queryConsumerOffset = (request: RemotingCommand) =>
    withHeader(request, QueryConsumerOffsetRequestHeader, (h) => {
      const stored = consumerOffsets.get(offsetKey(h.consumerGroup, h.topic, h.queueId))
      // Java 5.x: a client that says `setZeroIfNotFound=false` (the 5.x push consumer) gets QUERY_NOT_FOUND.
      if (stored === undefined && state.options.version === "5.0" && h.extra?.setZeroIfNotFound === "false") {
        return fail(request, ResponseCode.QUERY_NOT_FOUND, "Not found, do not set to zero, maybe this group boot first")
      }
      // Java answers 0 for a group with no offset when the queue's first message is still in memory: always here.
      return offsetResponse(request, stored ?? 0)
    })

  const updateConsumerOffset = (request: RemotingCommand) =>
    withHeader(request, UpdateConsumerOffsetRequestHeader, (h) => {
      consumerOffsets.set(offsetKey(h.consumerGroup, h.topic, h.queueId), h.commitOffset)
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    })

  return { getConsumerListByGroup, queryConsumerOffset, updateConsumerOffset }
}
