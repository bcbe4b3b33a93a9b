import { commandHeader, field } from "./CommandHeader.js"

/**
 * Header of END_TRANSACTION (37), sent oneway (Java: `EndTransactionRequestHeader`). `commitOrRollback` is a
 * transaction type of `MessageSysFlag`: 8 commit, 12 rollback, 0 unknown.
 *
 * @since 0.1.0
 * @category headers
 */
export const EndTransactionRequestHeader = commandHeader("EndTransactionRequestHeader", {
  producerGroup: field.string(),
  tranStateTableOffset: field.long(),
  commitLogOffset: field.long(),
  commitOrRollback: field.int(),
  fromTransactionCheck: field.optional(field.boolean()),
  msgId: field.string(),
  transactionId: field.optional(field.string())
})

/**
 * Header of CHECK_TRANSACTION_STATE (39), sent by the broker; the body is the half message's record (Java:
 * `CheckTransactionStateRequestHeader`).
 *
 * @since 0.1.0
 * @category headers
 */
export const CheckTransactionStateRequestHeader = commandHeader("CheckTransactionStateRequestHeader", {
  tranStateTableOffset: field.long(),
  commitLogOffset: field.long(),
  msgId: field.optional(field.string()),
  transactionId: field.optional(field.string()),
  offsetMsgId: field.optional(field.string())
})
