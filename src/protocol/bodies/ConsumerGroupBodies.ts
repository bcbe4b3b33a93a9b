import * as Schema from "effect/Schema"
import { MessageQueue } from "../MessageQueue.js"

/**
 * The body of a GET_CONSUMER_LIST_BY_GROUP response: the client ids of a group (Java:
 * `GetConsumerListByGroupResponseBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumerListBody = Schema.Struct({
  consumerIdList: Schema.Array(Schema.String)
}).annotations({ identifier: "GetConsumerListByGroupResponseBody" })

/** @since 0.1.0 @category bodies */
export type ConsumerListBody = Schema.Schema.Type<typeof ConsumerListBody>

/**
 * The body of LOCK_BATCH_MQ (41) (Java: `LockBatchRequestBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const LockBatchRequestBody = Schema.Struct({
  clientId: Schema.String,
  consumerGroup: Schema.String,
  mqSet: Schema.Array(MessageQueue)
}).annotations({ identifier: "LockBatchRequestBody" })

/** @since 0.1.0 @category bodies */
export type LockBatchRequestBody = Schema.Schema.Type<typeof LockBatchRequestBody>

/**
 * The body of a LOCK_BATCH_MQ response: the queues now locked by the asking client (Java: `LockBatchResponseBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const LockBatchResponseBody = Schema.Struct({
  lockOKMQSet: Schema.Array(MessageQueue)
}).annotations({ identifier: "LockBatchResponseBody" })

/** @since 0.1.0 @category bodies */
export type LockBatchResponseBody = Schema.Schema.Type<typeof LockBatchResponseBody>

/**
 * The body of UNLOCK_BATCH_MQ (42), the same fields as {@link LockBatchRequestBody} (Java: `UnlockBatchRequestBody`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const UnlockBatchRequestBody = LockBatchRequestBody.annotations({ identifier: "UnlockBatchRequestBody" })

/** @since 0.1.0 @category bodies */
export type UnlockBatchRequestBody = Schema.Schema.Type<typeof UnlockBatchRequestBody>
