import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { SCHEDULE_TOPIC } from "./BrokerConfig.js"
import type { BrokerState } from "./BrokerState.js"
import type { AppendResult, MessageToStore } from "./MessageStore.js"

/**
 * Stores a message to be delivered at its delay level: what is stored now (in the delay level's queue), and the
 * delivery forked into the broker's fiber set.
 *
 * @since 0.1.0
 * @category embedded
 */
export type ScheduleMessage = (
  message: MessageToStore,
  level: number,
  wait: string | undefined,
  now: number
) => Effect.Effect<Either.Either<AppendResult, ProtocolError>>

/**
 * Holds a message until its delay level is due, then puts it on its real queue (Java: the delay-level queues of
 * SCHEDULE_TOPIC_XXXX and `ScheduleMessageService`): it arrives with REAL_TOPIC, REAL_QID and WAIT among its
 * properties, as the real broker delivers it.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeScheduleMessageService = (state: BrokerState): ScheduleMessage => {
  const { background, delayLevels, store } = state
  return (message, level, wait, now) => {
    const index = Math.min(level, delayLevels.length) - 1
    const due: MessageToStore = {
      ...message,
      properties: {
        ...message.properties,
        [MessageConst.REAL_TOPIC]: message.topic,
        [MessageConst.REAL_QID]: String(message.queueId),
        ...(wait === undefined ? {} : { [MessageConst.WAIT]: wait })
      }
    }
    const held = store.append({ ...due, topic: SCHEDULE_TOPIC, queueId: index }, now)
    if (Either.isLeft(held)) return Effect.succeed(held)
    const deliver = Effect.sleep(delayLevels[index]!).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.map((at) => store.append(due, at))
    )
    return Effect.as(FiberSet.run(background, deliver), held)
  }
}
