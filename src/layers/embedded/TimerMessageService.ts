import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberSet from "effect/FiberSet"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import type { BrokerState } from "./BrokerState.js"
import type { AppendResult, MessageToStore } from "./MessageStore.js"

/**
 * The topic that holds timer messages until they are due (Java 5.x: `TimerMessageStore.TIMER_TOPIC`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const TIMER_TOPIC = "rmq_sys_wheel_timer"

/** Java 5.x: `timerPrecisionMs`, 1 s, and `timerMaxDelaySec`, 3 days. */
const TIMER_PRECISION_MS = 1_000
const TIMER_MAX_DELAY_MS = 3 * 24 * 3600 * 1000

/**
 * When a timer message is due, from its properties (Java 5.x: `HookUtils.checkIfTimerMessage` and
 * `transformTimerMessage`): `TIMER_DELAY_SEC`, else `TIMER_DELAY_MS`, else `TIMER_DELIVER_MS`; rounded down to the
 * timer's precision (one step less when already on it), as the broker writes it in `TIMER_OUT_MS`. `undefined` for
 * a message without them or already due; a text that is not a number, or more than 3 days ahead, is refused.
 *
 * @since 0.1.0
 * @category embedded
 */
export const timerOutMillis = (
  properties: Readonly<Record<string, string>>,
  now: number
): Either.Either<number | undefined, string> => {
  const delaySec = properties[MessageConst.TIMER_DELAY_SEC]
  const delayMs = properties[MessageConst.TIMER_DELAY_MS]
  const deliverMs = properties[MessageConst.TIMER_DELIVER_MS]
  const given = delaySec ?? delayMs ?? deliverMs
  if (given === undefined) return Either.right(undefined)
  const n = Number(given)
  if (!/^-?\d+$/.test(given) || !Number.isSafeInteger(n)) return Either.left(`timer message illegal: ${given}`)
  const at = delaySec !== undefined ? now + n * 1000 : delayMs !== undefined ? now + n : n
  if (at <= now) return Either.right(undefined)
  if (at - now > TIMER_MAX_DELAY_MS) {
    return Either.left(
      `timer message illegal, the delay time should not be bigger than the max delay ${TIMER_MAX_DELAY_MS}`
    )
  }
  return Either.right(at % TIMER_PRECISION_MS === 0 ? at - TIMER_PRECISION_MS : at - (at % TIMER_PRECISION_MS))
}

/**
 * Holds a timer message in the timer topic and puts it on its real queue when its slot has passed (Java 5.x:
 * `TimerMessageStore`, behaviour only): it arrives with REAL_TOPIC, REAL_QID, TIMER_OUT_MS, TIMER_ENQUEUE_MS and
 * TIMER_DEQUEUE_MS among its properties. The send is answered with its offset in the timer topic, as the real broker
 * does.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeTimerMessageService = (state: BrokerState) => {
  const { background, store } = state
  return (
    message: MessageToStore,
    outMillis: number,
    wait: string | undefined,
    now: number
  ): Effect.Effect<Either.Either<AppendResult, ProtocolError>> => {
    const properties = {
      ...message.properties,
      [MessageConst.REAL_TOPIC]: message.topic,
      [MessageConst.REAL_QID]: String(message.queueId),
      [MessageConst.TIMER_OUT_MS]: String(outMillis),
      ...(wait === undefined ? {} : { [MessageConst.WAIT]: wait })
    }
    const held = store.append({ ...message, topic: TIMER_TOPIC, queueId: 0, properties }, now)
    if (Either.isLeft(held)) return Effect.succeed(held)
    const enqueued = now - (now % TIMER_PRECISION_MS)
    // A slot is read once it has passed: the message is never delivered before its time.
    const deliver = Effect.sleep(outMillis + TIMER_PRECISION_MS - now).pipe(
      Effect.zipRight(Clock.currentTimeMillis),
      Effect.map((at) =>
        store.append({
          ...message,
          properties: {
            ...properties,
            [MessageConst.TIMER_ENQUEUE_MS]: String(enqueued),
            [MessageConst.TIMER_DEQUEUE_MS]: String(at)
          }
        }, at)
      )
    )
    return Effect.as(FiberSet.run(background, deliver), held)
  }
}
