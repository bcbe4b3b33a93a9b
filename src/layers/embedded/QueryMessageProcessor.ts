import * as Effect from "effect/Effect"
import { QueryMessageRequestHeader, ViewMessageRequestHeader } from "../../protocol/headers/AdminHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, fail, withHeader } from "./BrokerState.js"

/** Java: `MessageStoreConfig.defaultQueryMaxNum`, the most a unique-key query answers; `maxMsgsNumBatch`, any query. */
const DEFAULT_QUERY_MAX_NUM = 32
const MAX_MSGS_NUM_BATCH = 64

/**
 * The broker's message look-ups (Java: `QueryMessageProcessor`): QUERY_MESSAGE over the key index (keys and unique
 * keys, by `topic#key`, in a store-time range), and VIEW_MESSAGE_BY_ID by commit-log offset, each answered with the
 * stored records as the body.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeQueryMessageProcessor = (state: BrokerState) => {
  const { store } = state

  const queryMessage = (request: RemotingCommand) =>
    withHeader(request, QueryMessageRequestHeader, (h) => {
      const maxNum = Math.min(h._UNIQUE_KEY_QUERY === true ? DEFAULT_QUERY_MAX_NUM : h.maxNum, MAX_MSGS_NUM_BATCH)
      const records = store.queryByKey(h.topic, h.key, h.beginTimestamp, h.endTimestamp, maxNum)
      const extFields = {
        indexLastUpdateTimestamp: String(state.clock.unsafeCurrentTimeMillis()),
        indexLastUpdatePhyoffset: String(store.commitLogMaxOffset)
      }
      return Effect.succeed(
        records.length === 0
          ? response(request, ResponseCode.QUERY_NOT_FOUND, {
            remark: "can not find message, maybe time range not correct",
            extFields
          })
          : response(request, ResponseCode.SUCCESS, { extFields, body: Buffer.concat(records) })
      )
    })

  const viewMessageById = (request: RemotingCommand) =>
    withHeader(request, ViewMessageRequestHeader, (h) => {
      const record = store.recordAt(h.offset)
      return record === undefined
        ? fail(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${h.offset}`)
        : Effect.succeed(response(request, ResponseCode.SUCCESS, { body: record }))
    })

  return { queryMessage, viewMessageById }
}
