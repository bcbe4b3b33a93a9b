import { Schema } from "effect"
import { BooleanField, commandHeader, IntField, LongField } from "./CommandHeader.js"

/**
 * Header of END_TRANSACTION (37), sent oneway (Java: `EndTransactionRequestHeader`). `commitOrRollback` is a
 * transaction type of `MessageSysFlag`: 8 commit, 12 rollback, 0 unknown.
 *
 * @since 0.1.0
 * @category headers
 */
export const EndTransactionRequestHeader = commandHeader("EndTransactionRequestHeader", {
  producerGroup: Schema.String,
  tranStateTableOffset: LongField,
  commitLogOffset: LongField,
  commitOrRollback: IntField,
  fromTransactionCheck: Schema.optional(BooleanField),
  msgId: Schema.String,
  transactionId: Schema.optional(Schema.String)
})

/**
 * Header of CHECK_TRANSACTION_STATE (39), sent by the broker; the body is the half message's record (Java:
 * `CheckTransactionStateRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const CheckTransactionStateRequestHeader = commandHeader("CheckTransactionStateRequestHeader", {
  tranStateTableOffset: LongField,
  commitLogOffset: LongField,
  msgId: Schema.optional(Schema.String),
  transactionId: Schema.optional(Schema.String),
  offsetMsgId: Schema.optional(Schema.String)
})
