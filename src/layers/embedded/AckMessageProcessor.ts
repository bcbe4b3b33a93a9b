import * as Effect from "effect/Effect"
import { parsePopHandle } from "../../protocol/ExtraInfo.js"
import { AckMessageRequestHeader, ChangeInvisibleTimeRequestHeader } from "../../protocol/headers/PopHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerState } from "./BrokerState.js"
import { fail, withHeader } from "./BrokerState.js"
import { type PopCheckpoints, REVIVE_QID } from "./PopCheckpoints.js"

/**
 * What settles a popped message (Java 5.x: `AckMessageProcessor`, `ChangeInvisibleTimeProcessor`): an ack removes its
 * checkpoint; a change of invisible time replaces it with one popped now.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeAckMessageProcessor = (state: BrokerState, checkpoints: PopCheckpoints) => {
  const { clock } = state
  /** ACK_MESSAGE (Java: `AckMessageProcessor`): the checkpoint of the handle's pop is removed. */
  const ackMessage = (request: RemotingCommand) =>
    withHeader(request, AckMessageRequestHeader, (header) => {
      const handle = parsePopHandle(header.extraInfo)
      if (handle._tag === "Left") return fail(request, ResponseCode.MESSAGE_ILLEGAL, handle.left.message)
      checkpoints.remove(header.consumerGroup, header.topic, header.queueId, header.offset, handle.right.popTime)
      return Effect.succeed(response(request, ResponseCode.SUCCESS))
    })

  /**
   * CHANGE_MESSAGE_INVISIBLETIME (Java: `ChangeInvisibleTimeProcessor`): the handle's checkpoint is acked and a new one
   * made, popped now and invisible for the time asked; the answer names it ("not set any response code", as Java).
   */
  const changeInvisibleTime = (request: RemotingCommand) =>
    withHeader(request, ChangeInvisibleTimeRequestHeader, (header) =>
      Effect.suspend(() => {
        const handle = parsePopHandle(header.extraInfo)
        if (handle._tag === "Left") return fail(request, ResponseCode.MESSAGE_ILLEGAL, handle.left.message)
        const popTime = clock.unsafeCurrentTimeMillis()
        const { consumerGroup, invisibleTime, offset, queueId, topic } = header
        checkpoints.remove(consumerGroup, topic, queueId, offset, handle.right.popTime)
        return Effect.as(
          checkpoints.add({ group: consumerGroup, topic, queueId, offset, popTime, invisibleTime }),
          response(request, ResponseCode.SUCCESS, {
            remark: "not set any response code",
            extFields: {
              invisibleTime: String(invisibleTime),
              popTime: String(popTime),
              reviveQid: String(REVIVE_QID)
            }
          })
        )
      }))

  return { ackMessage, changeInvisibleTime }
}
