import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { QueryMessageRequestHeader, ViewMessageRequestHeader } from "../../protocol/headers/AdminHeaders.js"
import { KEY_SEPARATOR, MessageConst } from "../../protocol/MessageConst.js"
import { decodeMessages, type MessageExt } from "../../protocol/MessageDecoder.js"
import { decodeOffsetMessageId, uniqueIdTimestamp } from "../../protocol/MessageId.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC } from "../../protocol/TraceData.js"
import { AdminNotFoundError, type AdminService, AdminValidationError } from "../../services/Admin.js"
import { checkCount, checkTopicName } from "../../services/AdminValidation.js"
import type { AdminCalls } from "./AdminCalls.js"

/** Java's default of `queryMessage`'s `maxNum` (mqadmin: 64 for traces, 32 otherwise). */
const QUERY_MAX_NUM = 32
const TRACE_MAX_NUM = 64

const decoder = new TextDecoder()

/**
 * The message look-ups (Java: `MQAdminImpl.viewMessage`, `queryMessage`, `queryMessageByUniqKey`, and mqadmin's
 * `queryMsgTraceById`).
 *
 * @since 0.1.0
 * @category admin
 */
export const makeMessages = (calls: AdminCalls) => {
  const { call, header, routeMasters } = calls

  const viewMessage: AdminService["viewMessage"] = (offsetMsgId) =>
    Effect.gen(function*() {
      const id = yield* Effect.mapError(
        decodeOffsetMessageId(offsetMsgId),
        (e) => new AdminValidationError({ field: "offsetMsgId", value: offsetMsgId, reason: e.reason })
      )
      const address = `${id.storeHost.host}:${id.storeHost.port}`
      const extFields = yield* header(ViewMessageRequestHeader, { offset: id.commitLogOffset })
      const answer = yield* call(address, request(RequestCode.VIEW_MESSAGE_BY_ID, extFields))
      const [message] = yield* decodeMessages(answer.body ?? new Uint8Array())
      if (message === undefined) {
        return yield* new AdminNotFoundError({ what: "message", name: offsetMsgId, reason: "the broker sent none" })
      }
      return message
    })

  /** QUERY_MESSAGE on every broker of the topic; the messages that match `matches` (Java filters the index's hits). */
  const query = (
    topic: string,
    key: string,
    range: { readonly begin: number; readonly end: number; readonly maxNum: number },
    uniqueKey: boolean,
    matches: (m: MessageExt) => boolean
  ) =>
    Effect.gen(function*() {
      const extFields = yield* header(QueryMessageRequestHeader, {
        topic,
        key,
        maxNum: range.maxNum,
        beginTimestamp: range.begin,
        endTimestamp: range.end,
        _UNIQUE_KEY_QUERY: uniqueKey
      })
      const found = yield* Effect.forEach(yield* routeMasters(topic), (broker) =>
        Effect.gen(function*() {
          const answer = yield* call(broker.address, request(RequestCode.QUERY_MESSAGE, extFields), [
            ResponseCode.SUCCESS,
            ResponseCode.QUERY_NOT_FOUND
          ])
          return answer.code === ResponseCode.SUCCESS && answer.body !== undefined
            ? yield* decodeMessages(answer.body)
            : []
        }))
      return found.flat().filter((m) => m.topic === topic && matches(m))
        .sort((a, b) => a.storeTimestamp - b.storeTimestamp)
    })

  const keysOf = (m: MessageExt) => (m.properties[MessageConst.KEYS] ?? "").split(KEY_SEPARATOR)

  const queryMessagesByKey: AdminService["queryMessagesByKey"] = (q) =>
    Effect.gen(function*() {
      yield* checkTopicName(q.topic)
      if (q.key.length === 0) {
        return yield* new AdminValidationError({ field: "key", value: q.key, reason: "the key is empty" })
      }
      const maxNum = yield* checkCount("maxNum", q.maxNum, QUERY_MAX_NUM)
      const range = { begin: q.beginTimestamp ?? 0, end: q.endTimestamp ?? Number.MAX_SAFE_INTEGER, maxNum }
      return yield* query(q.topic, q.key, range, false, (m) => keysOf(m).includes(q.key))
    })

  const queryMessagesByUniqueKey: AdminService["queryMessagesByUniqueKey"] = (topic, msgId) =>
    Effect.gen(function*() {
      yield* checkTopicName(topic)
      const now = yield* Clock.currentTimeMillis
      const madeAt = yield* Effect.mapError(
        uniqueIdTimestamp(msgId, now),
        (e) => new AdminValidationError({ field: "msgId", value: msgId, reason: e.reason })
      )
      // Java: from a second before the id's time (`getNearlyTimeFromID`) on.
      const range = { begin: madeAt - 1000, end: Number.MAX_SAFE_INTEGER, maxNum: QUERY_MAX_NUM }
      return yield* query(topic, msgId, range, true, (m) => m.msgId === msgId)
    })

  const messageTrace: AdminService["messageTrace"] = (msgId, traceTopic = RMQ_SYS_TRACE_TOPIC) =>
    Effect.gen(function*() {
      if (msgId.length === 0) {
        return yield* new AdminValidationError({ field: "msgId", value: msgId, reason: "the message id is empty" })
      }
      const range = { begin: 0, end: Number.MAX_SAFE_INTEGER, maxNum: TRACE_MAX_NUM }
      const records = yield* query(traceTopic, msgId, range, false, (m) => keysOf(m).includes(msgId))
      // A trace message this reader cannot read is skipped, as Java's `queryTraceByMsgId` skips what it cannot parse;
      // a Pub of a batch names every id of the batch, joined by commas.
      return records.flatMap((m) => Either.getOrElse(decodeTraceData(decoder.decode(m.body)), () => []))
        .filter((record) => record.msgId.split(",").includes(msgId))
    })

  return { viewMessage, queryMessagesByKey, queryMessagesByUniqueKey, messageTrace }
}
