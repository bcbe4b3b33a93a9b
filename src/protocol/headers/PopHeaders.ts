import { commandHeader, field } from "./CommandHeader.js"

/**
 * Header of POP_MESSAGE (200050), RocketMQ 5.x (Java: `PopMessageRequestHeader`): `queueId` -1 pops every queue of
 * the topic on the broker; `pollTime` and `bornTime` make it a long poll; `initMode` starts a group new to a queue at
 * its first offset (0, Java's `ConsumeInitMode.MIN`) or its last (1, `MAX`).
 *
 * @since 0.1.0
 * @category headers
 */
export const PopMessageRequestHeader = commandHeader("PopMessageRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  maxMsgNums: field.int(),
  invisibleTime: field.long(),
  pollTime: field.long(),
  bornTime: field.long(),
  initMode: field.int(),
  expType: field.optional(field.string()),
  exp: field.optional(field.string()),
  order: field.optional(field.boolean()),
  bname: field.optional(field.string())
})

/**
 * Response header of POP_MESSAGE (Java: `PopMessageResponseHeader`): when the messages were popped and for how long
 * they are invisible, the revive queue of their checkpoint, and per queue (`"0 3 0;1 0 5"`: retry flag, queue id,
 * offset) where the pop started and which offsets it took.
 *
 * @since 0.1.0
 * @category headers
 */
export const PopMessageResponseHeader = commandHeader("PopMessageResponseHeader", {
  popTime: field.long(),
  invisibleTime: field.long(),
  reviveQid: field.int(),
  restNum: field.long(),
  startOffsetInfo: field.optional(field.string()),
  msgOffsetInfo: field.optional(field.string()),
  orderCountInfo: field.optional(field.string())
})

/**
 * Header of ACK_MESSAGE (200051) (Java: `AckMessageRequestHeader`): the message's queue and offset, and its `POP_CK`
 * handle as `extraInfo`.
 *
 * @since 0.1.0
 * @category headers
 */
export const AckMessageRequestHeader = commandHeader("AckMessageRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  extraInfo: field.string(),
  offset: field.long(),
  bname: field.optional(field.string())
})

/**
 * Header of CHANGE_MESSAGE_INVISIBLETIME (200053) (Java: `ChangeInvisibleTimeRequestHeader`): the ack fields and the
 * new invisible time, counted from now.
 *
 * @since 0.1.0
 * @category headers
 */
export const ChangeInvisibleTimeRequestHeader = commandHeader("ChangeInvisibleTimeRequestHeader", {
  consumerGroup: field.string(),
  topic: field.string(),
  queueId: field.int(),
  extraInfo: field.string(),
  offset: field.long(),
  invisibleTime: field.long(),
  bname: field.optional(field.string())
})

/**
 * Response header of CHANGE_MESSAGE_INVISIBLETIME (Java: `ChangeInvisibleTimeResponseHeader`): the new checkpoint.
 *
 * @since 0.1.0
 * @category headers
 */
export const ChangeInvisibleTimeResponseHeader = commandHeader("ChangeInvisibleTimeResponseHeader", {
  popTime: field.long(),
  invisibleTime: field.long(),
  reviveQid: field.int()
})
