import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { ConsumeMessageDirectlyResult } from "../../protocol/bodies/OffsetTableBody.js"
import type { MessageExt } from "../../protocol/MessageDecoder.js"
import { callHandler } from "./ConsumeHandler.js"
import { type ConsumerContext, prepareMessage } from "./ConsumerContext.js"

/**
 * CONSUME_MESSAGE_DIRECTLY (Java: `ConsumeMessageConcurrentlyService.consumeMessageDirectly`): a message the broker
 * sends (an operator's `mqadmin consumeMessage`) through the handler; nothing is committed.
 *
 * @since 0.1.0
 * @category consumer
 */
export const consumeDirectly = (
  context: ConsumerContext,
  message: MessageExt,
  brokerName: string | undefined
): Effect.Effect<ConsumeMessageDirectlyResult> =>
  Effect.gen(function*() {
    const { settings } = context
    const begin = yield* Clock.currentTimeMillis
    const prepared = prepareMessage(message, settings.group, settings.namespace, { minOffset: "0", maxOffset: "0" })
    const queue = { topic: prepared.topic, brokerName: brokerName ?? "", queueId: message.queueId }
    const exit = yield* Effect.exit(Effect.provide(callHandler(context, [prepared], queue), context.handlerContext))
    const spentTimeMills = (yield* Clock.currentTimeMillis) - begin
    return Exit.isSuccess(exit)
      ? {
        order: settings.orderly,
        autoCommit: true,
        consumeResult: exit.value === "CONSUME_SUCCESS" ? "CR_SUCCESS" : "CR_LATER",
        spentTimeMills
      }
      : {
        order: settings.orderly,
        autoCommit: true,
        consumeResult: "CR_THROW_EXCEPTION",
        remark: Cause.pretty(exit.cause),
        spentTimeMills
      }
  })
