/**
 * Protocol versions (`org.apache.rocketmq.common.MQVersion.Version` ordinals) that change behaviour on the wire.
 *
 * @since 0.1.0
 * @category protocol
 */
export const Version = {
  /** RocketMQ 4.5.2, what the Go client announces. */
  V4_5_2: 317,
  /** RocketMQ 4.7.1. */
  V4_7_1: 355,
  /** RocketMQ 4.9.4: name servers answer standard JSON to this version and later. */
  V4_9_4: 401,
  /** RocketMQ 4.9.8: what this client announces by default (Java: `MQVersion.CURRENT_VERSION`). */
  V4_9_8: 409,
  /** RocketMQ 5.0.0: brokers of this version and later know LITE_PULL_MESSAGE (361). */
  V5_0_0: 413
} as const

/**
 * The version this client announces unless configured otherwise.
 *
 * @since 0.1.0
 * @category protocol
 */
export const CURRENT_VERSION: number = Version.V4_9_8

/**
 * Whether a version a broker announced (its answers' `version`) is RocketMQ 5.0.0 or later.
 *
 * @since 0.1.0
 * @category protocol
 */
export const isRocketMQ5 = (version: number | undefined): boolean => version !== undefined && version >= Version.V5_0_0
