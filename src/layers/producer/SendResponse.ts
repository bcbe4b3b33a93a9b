import * as Either from "effect/Either"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { RemotingCommand } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { BrokerResponseError } from "../../services/BrokerResponseError.js"
import type { SendResult, SendStatus } from "../../services/Producer.js"

const sendStatusOf = (code: number): SendStatus | undefined => {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "SEND_OK"
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      return "FLUSH_DISK_TIMEOUT"
    case ResponseCode.FLUSH_SLAVE_TIMEOUT:
      return "FLUSH_SLAVE_TIMEOUT"
    case ResponseCode.SLAVE_NOT_AVAILABLE:
      return "SLAVE_NOT_AVAILABLE"
    default:
      return undefined
  }
}

/**
 * The result of a send from the broker's answer (Java: `MQClientAPIImpl.processSendResponse`), or the answer as an
 * error when it is not one of the send statuses.
 *
 * @since 0.1.0
 * @category producer
 */
export const processSendResponse = (
  answer: RemotingCommand,
  address: string,
  queue: MessageQueue,
  uniqueId: string
): Either.Either<SendResult, BrokerResponseError> => {
  const status = sendStatusOf(answer.code)
  if (status === undefined) {
    return Either.left(
      new BrokerResponseError({
        address,
        requestCode: RequestCode.SEND_MESSAGE_V2,
        responseCode: answer.code,
        remark: answer.remark
      })
    )
  }
  return Either.right({
    sendStatus: status,
    msgId: uniqueId,
    offsetMsgId: answer.extFields?.msgId ?? "",
    messageQueue: { ...queue, queueId: Number(answer.extFields?.queueId ?? queue.queueId) },
    queueOffset: Number(answer.extFields?.queueOffset ?? -1),
    transactionId: answer.extFields?.transactionId
  })
}
