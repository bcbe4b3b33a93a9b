import * as Schema from "effect/Schema"
import { MessageQueue } from "../MessageQueue.js"
import { MessageModel } from "./HeartbeatData.js"

/**
 * How a consumer reads a queue, as the broker assigns it (Java: `MessageRequestMode`): pulled from an offset, or
 * popped (5.x).
 *
 * @since 0.1.0
 * @category bodies
 */
export const MessageRequestMode = Schema.Literal("PULL", "POP")

/** @since 0.1.0 @category bodies */
export type MessageRequestMode = Schema.Schema.Type<typeof MessageRequestMode>

/**
 * The body of QUERY_ASSIGNMENT (400) (Java: `QueryAssignmentRequestBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const QueryAssignmentRequestBody = Schema.Struct({
  clientId: Schema.String,
  consumerGroup: Schema.String,
  messageModel: MessageModel,
  strategyName: Schema.String,
  topic: Schema.String
}).annotations({ identifier: "QueryAssignmentRequestBody" })

/** @since 0.1.0 @category bodies */
export type QueryAssignmentRequestBody = Schema.Schema.Type<typeof QueryAssignmentRequestBody>

/**
 * One queue the broker assigned and how to read it (Java: `MessageQueueAssignment`; queue id -1 in POP mode: every
 * queue of the broker, popped).
 *
 * @since 0.1.0
 * @category bodies
 */
export const MessageQueueAssignment = Schema.Struct({
  messageQueue: MessageQueue,
  mode: MessageRequestMode,
  attachments: Schema.optional(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String })))
}).annotations({ identifier: "MessageQueueAssignment" })

/** @since 0.1.0 @category bodies */
export type MessageQueueAssignment = Schema.Schema.Type<typeof MessageQueueAssignment>

/**
 * The body of a QUERY_ASSIGNMENT response (Java: `QueryAssignmentResponseBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const QueryAssignmentResponseBody = Schema.Struct({
  messageQueueAssignments: Schema.Array(MessageQueueAssignment)
}).annotations({ identifier: "QueryAssignmentResponseBody" })

/** @since 0.1.0 @category bodies */
export type QueryAssignmentResponseBody = Schema.Schema.Type<typeof QueryAssignmentResponseBody>

/**
 * The body of SET_MESSAGE_REQUEST_MODE (401), what `mqadmin setConsumeMode` sends (Java:
 * `SetMessageRequestModeRequestBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const SetMessageRequestModeRequestBody = Schema.Struct({
  consumerGroup: Schema.String,
  mode: MessageRequestMode,
  popShareQueueNum: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  topic: Schema.String
}).annotations({ identifier: "SetMessageRequestModeRequestBody" })

/** @since 0.1.0 @category bodies */
export type SetMessageRequestModeRequestBody = Schema.Schema.Type<typeof SetMessageRequestModeRequestBody>
