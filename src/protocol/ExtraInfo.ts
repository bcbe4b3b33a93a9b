import * as Either from "effect/Either"
import { RETRY_GROUP_TOPIC_PREFIX } from "./MessageConst.js"
import { ProtocolError } from "./ProtocolError.js"

/**
 * A popped message's handle, the `POP_CK` property the client builds for each message of a POP_MESSAGE answer and
 * sends back as `extraInfo` to ack it or change its invisible time (Java: `ExtraInfoUtil.buildExtraInfo`): eight
 * fields separated by spaces, `startOffset popTime invisibleTime reviveQid retry brokerName queueId queueOffset`,
 * `retry` being 1 when the message came from the pop retry topic.
 *
 * @since 0.1.0
 * @category protocol
 */
export interface PopHandle {
  /** Where the pop of this message's queue started (the checkpoint's offset). */
  readonly startOffset: number
  readonly popTime: number
  readonly invisibleTime: number
  readonly reviveQid: number
  /** The message came from the pop retry topic `%RETRY%{group}_{topic}`. */
  readonly retry: boolean
  readonly brokerName: string
  readonly queueId: number
  readonly queueOffset: number
}

/**
 * The `POP_CK` text of a handle (Java: `ExtraInfoUtil.buildExtraInfo` with the message's queue offset).
 *
 * @since 0.1.0
 * @category protocol
 */
export const formatPopHandle = (h: PopHandle): string =>
  `${h.startOffset} ${h.popTime} ${h.invisibleTime} ${h.reviveQid} ${
    h.retry ? 1 : 0
  } ${h.brokerName} ${h.queueId} ${h.queueOffset}`

const whole = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * Reads a `POP_CK` text (Java: `ExtraInfoUtil.split` and its getters); anything else is a `ProtocolError`.
 *
 * @since 0.1.0
 * @category protocol
 */
export const parsePopHandle = (text: string): Either.Either<PopHandle, ProtocolError> => {
  const parts = text.split(" ")
  const [startOffset, popTime, invisibleTime, reviveQid, retry, brokerName, queueId, queueOffset] = [
    whole(parts[0]),
    whole(parts[1]),
    whole(parts[2]),
    whole(parts[3]),
    parts[4],
    parts[5],
    whole(parts[6]),
    whole(parts[7])
  ]
  if (
    parts.length !== 8 || startOffset === undefined || popTime === undefined || invisibleTime === undefined ||
    reviveQid === undefined || (retry !== "0" && retry !== "1") || brokerName === undefined || brokerName === "" ||
    queueId === undefined || queueOffset === undefined
  ) {
    return Either.left(new ProtocolError({ reason: `not a POP_CK handle: ${JSON.stringify(text)}`, offset: 0 }))
  }
  return Either.right({
    startOffset,
    popTime,
    invisibleTime,
    reviveQid,
    retry: retry === "1",
    brokerName,
    queueId,
    queueOffset
  })
}

/**
 * The pop retry topic of a group and topic, `%RETRY%{group}_{topic}` (Java 5.0/5.1: `KeyBuilder.buildPopRetryTopic`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const popRetryTopic = (group: string, topic: string): string => `${RETRY_GROUP_TOPIC_PREFIX}${group}_${topic}`

/**
 * The key of a queue in a POP_MESSAGE answer's offset infos: `"1@3"` for queue 3 of the pop retry topic, `"0@3"` for
 * the topic's own (Java: `ExtraInfoUtil.getStartOffsetInfoMapKey`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const popQueueKey = (topic: string, queueId: number): string =>
  `${topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? 1 : 0}@${queueId}`

/**
 * Reads `startOffsetInfo` or `msgOffsetInfo` of a POP_MESSAGE answer (`"0 3 0;1 0 5,6"`: retry flag, queue id,
 * offsets separated by commas) into offsets by {@link popQueueKey} (Java: `ExtraInfoUtil.parseMsgOffsetInfo`,
 * `parseStartOffsetInfo`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const parsePopOffsetInfo = (
  text: string | undefined
): Either.Either<ReadonlyMap<string, ReadonlyArray<number>>, ProtocolError> => {
  const table = new Map<string, ReadonlyArray<number>>()
  if (text === undefined || text === "") return Either.right(table)
  for (const one of text.split(";")) {
    const parts = one.split(" ")
    const offsets = (parts[2] ?? "").split(",").map(whole)
    if (
      parts.length !== 3 || (parts[0] !== "0" && parts[0] !== "1") || whole(parts[1]) === undefined ||
      offsets.some((o) => o === undefined) || table.has(`${parts[0]}@${parts[1]}`)
    ) {
      return Either.left(new ProtocolError({ reason: `not a pop offset info: ${JSON.stringify(text)}`, offset: 0 }))
    }
    table.set(`${parts[0]}@${parts[1]}`, offsets as Array<number>)
  }
  return Either.right(table)
}

/**
 * Writes offsets by queue as `startOffsetInfo` / `msgOffsetInfo` do (Java: `ExtraInfoUtil.buildStartOffsetInfo`,
 * `buildMsgOffsetInfo`): the inverse of {@link parsePopOffsetInfo}.
 *
 * @since 0.1.0
 * @category protocol
 */
export const formatPopOffsetInfo = (
  entries: ReadonlyArray<{ readonly retry: boolean; readonly queueId: number; readonly offsets: ReadonlyArray<number> }>
): string => entries.map((e) => `${e.retry ? 1 : 0} ${e.queueId} ${e.offsets.join(",")}`).join(";")
