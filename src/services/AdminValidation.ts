import * as Either from "effect/Either"
import { PermName } from "../protocol/bodies/TopicRouteData.js"
import { AdminValidationError, type GroupSettings, type TopicSettings } from "./Admin.js"
import { checkTopic, isSystemTopic } from "./Message.js"

/** Java: `Validators.CHARACTER_MAX_LENGTH`, the longest group name. */
const GROUP_MAX_LENGTH = 255

/**
 * A topic name any admin request may carry (Java: `Validators.checkTopic`).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkTopicName = (topic: string): Either.Either<string, AdminValidationError> =>
  Either.mapLeft(checkTopic(topic), (e) => new AdminValidationError({ field: "topic", value: topic, reason: e.reason }))

/**
 * A topic one may create or delete: a valid name that is not a system topic (Java: the broker's
 * `TopicValidator.validateTopic` and `isSystemTopic`).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkUserTopic = (topic: string): Either.Either<string, AdminValidationError> =>
  Either.flatMap(checkTopicName(topic), (name) =>
    isSystemTopic(name)
      ? Either.left(
        new AdminValidationError({
          field: "topic",
          value: topic,
          reason: `The topic[${topic}] is conflict with system topic.`
        })
      )
      : Either.right(name))

/**
 * A group name (Java: `Validators.checkGroup`): not blank, at most 255 characters, only `%|a-zA-Z0-9_-`.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkGroupName = (group: string): Either.Either<string, AdminValidationError> => {
  const fail = (reason: string) => Either.left(new AdminValidationError({ field: "group", value: group, reason }))
  if (group.trim().length === 0) return fail("the specified group is blank")
  if (group.length > GROUP_MAX_LENGTH) {
    return fail(`the specified group is longer than group max length ${GROUP_MAX_LENGTH}.`)
  }
  if (!/^[%|a-zA-Z0-9_-]+$/.test(group)) {
    return fail(`the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`)
  }
  return Either.right(group)
}

/**
 * A count that must be a whole number of at least `min`.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkCount = (
  field: string,
  value: number | undefined,
  fallback: number,
  min = 1
): Either.Either<number, AdminValidationError> => {
  const n = value ?? fallback
  return Number.isSafeInteger(n) && n >= min
    ? Either.right(n)
    : Either.left(new AdminValidationError({ field, value: n, reason: `must be a whole number of at least ${min}` }))
}

const PERM_BITS = PermName.READ | PermName.WRITE | PermName.INHERIT

/**
 * A topic's permission: read (4), write (2) or both (6), inherit (1) allowed beside them (Java: `PermName`).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkPerm = (perm: number | undefined): Either.Either<number, AdminValidationError> => {
  const p = perm ?? (PermName.READ | PermName.WRITE)
  return Number.isInteger(p) && (p & ~PERM_BITS) === 0 && (p & (PermName.READ | PermName.WRITE)) !== 0
    ? Either.right(p)
    : Either.left(
      new AdminValidationError({
        field: "perm",
        value: p,
        reason: "must be 2 (write), 4 (read) or 6 (both), +1 to inherit"
      })
    )
}

/**
 * A topic to create, checked, with the defaults of `mqadmin updateTopic` filled in (8 read and write queues, perm 6).
 *
 * @since 0.1.0
 * @category validation
 */
export const checkTopicSettings = (settings: TopicSettings) =>
  Either.all({
    topic: checkUserTopic(settings.topic),
    readQueueNums: checkCount("readQueueNums", settings.readQueueNums, 8),
    writeQueueNums: checkCount("writeQueueNums", settings.writeQueueNums, 8),
    perm: checkPerm(settings.perm)
  })

/**
 * A group to create, checked, with Java's `SubscriptionGroupConfig` defaults for what is not given.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkGroupSettings = (settings: GroupSettings) =>
  Either.all({
    groupName: checkGroupName(settings.group),
    retryQueueNums: checkCount("retryQueueNums", settings.retryQueueNums, 1, 0),
    retryMaxTimes: checkCount("retryMaxTimes", settings.retryMaxTimes, 16, 0),
    brokerId: checkCount("brokerId", settings.brokerId, 0, 0),
    whichBrokerWhenConsumeSlowly: checkCount(
      "whichBrokerWhenConsumeSlowly",
      settings.whichBrokerWhenConsumeSlowly,
      1,
      0
    )
  }).pipe(Either.map((checked) => ({
    ...checked,
    consumeEnable: settings.consumeEnable ?? true,
    consumeFromMinEnable: settings.consumeFromMinEnable ?? true,
    consumeBroadcastEnable: settings.consumeBroadcastEnable ?? true,
    notifyConsumerIdsChangedEnable: settings.notifyConsumerIdsChangedEnable ?? true
  })))
