import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  LockBatchRequestBody,
  LockBatchResponseBody,
  UnlockBatchRequestBody
} from "../../protocol/bodies/ConsumerGroupBodies.js"
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  SearchOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, fail, withHeader } from "./BrokerState.js"
import { offsetResponse } from "./ConsumerManageProcessor.js"

/**
 * The broker's admin requests (Java: `AdminBrokerProcessor`): a queue's max, min and by-timestamp offsets and its
 * earliest store time, and the batch locking and unlocking of queues for orderly consumers.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeAdminBrokerProcessor = (state: BrokerState) => {
  const { locks, store } = state

  const getMaxOffset = (request: RemotingCommand) =>
    withHeader(
      request,
      GetMaxOffsetRequestHeader,
      (h) => offsetResponse(request, store.maxOffset(h.topic, h.queueId))
    )

  const getMinOffset = (request: RemotingCommand) =>
    withHeader(
      request,
      GetMinOffsetRequestHeader,
      (h) => offsetResponse(request, store.minOffset(h.topic, h.queueId))
    )

  const searchOffsetByTimestamp = (request: RemotingCommand) =>
    withHeader(
      request,
      SearchOffsetRequestHeader,
      (h) => offsetResponse(request, store.searchOffset(h.topic, h.queueId, h.timestamp))
    )

  const getEarliestMsgStoretime = (request: RemotingCommand) =>
    withHeader(request, GetEarliestMsgStoretimeRequestHeader, (h) =>
      Effect.succeed(
        response(request, ResponseCode.SUCCESS, {
          extFields: { timestamp: String(store.earliestStoreTime(h.topic, h.queueId)) }
        })
      ))

  const lockBatchMQ = (request: RemotingCommand) =>
    Either.match(decodeBody(LockBatchRequestBody, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (body) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          response(request, ResponseCode.SUCCESS, {
            body: encodeBody(LockBatchResponseBody, {
              lockOKMQSet: locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId, now)
            })
          }))
    })

  const unlockBatchMQ = (request: RemotingCommand) =>
    Either.match(decodeBody(UnlockBatchRequestBody, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (body) => {
        locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId)
        return Effect.succeed(response(request, ResponseCode.SUCCESS))
      }
    })

  return {
    getMaxOffset,
    getMinOffset,
    searchOffsetByTimestamp,
    getEarliestMsgStoretime,
    lockBatchMQ,
    unlockBatchMQ
  }
}
