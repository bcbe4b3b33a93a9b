import * as Schema from "effect/Schema"

/**
 * How a consumer gets messages (Java: `ConsumeType`): push consumers are CONSUME_PASSIVELY.
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumeType = Schema.Literal("CONSUME_ACTIVELY", "CONSUME_PASSIVELY", "CONSUME_POP")

/**
 * Clustering (each message to one consumer of the group) or broadcasting (to all) (Java: `MessageModel`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const MessageModel = Schema.Literal("BROADCASTING", "CLUSTERING")

/** @since 0.1.0 @category bodies */
export type MessageModel = Schema.Schema.Type<typeof MessageModel>

/**
 * Where a consumer group with no stored offset starts (Java: `ConsumeFromWhere`, deprecated values included).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumeFromWhere = Schema.Literal(
  "CONSUME_FROM_LAST_OFFSET",
  "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
  "CONSUME_FROM_MIN_OFFSET",
  "CONSUME_FROM_MAX_OFFSET",
  "CONSUME_FROM_FIRST_OFFSET",
  "CONSUME_FROM_TIMESTAMP"
)

/** @since 0.1.0 @category bodies */
export type ConsumeFromWhere = Schema.Schema.Type<typeof ConsumeFromWhere>

/**
 * One subscription of a consumer group (Java: `SubscriptionData`). `codeSet` holds Java `String.hashCode()` of each
 * tag in `tagsSet`; `subString` `*` means every tag.
 *
 * @since 0.1.0
 * @category bodies
 */
export const SubscriptionData = Schema.Struct({
  classFilterMode: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  codeSet: Schema.optionalWith(Schema.Array(Schema.Int), { default: () => [] }),
  expressionType: Schema.optionalWith(Schema.String, { default: () => "TAG" }),
  filterClassSource: Schema.optional(Schema.String),
  subString: Schema.String,
  subVersion: Schema.Number,
  tagsSet: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  topic: Schema.String
}).annotations({ identifier: "SubscriptionData" })

/** @since 0.1.0 @category bodies */
export type SubscriptionData = Schema.Schema.Type<typeof SubscriptionData>

/**
 * A consumer group this client is part of, as told in heartbeats (Java: `ConsumerData`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ConsumerData = Schema.Struct({
  consumeFromWhere: ConsumeFromWhere,
  consumeType: ConsumeType,
  groupName: Schema.String,
  messageModel: MessageModel,
  subscriptionDataSet: Schema.Array(SubscriptionData),
  unitMode: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).annotations({ identifier: "ConsumerData" })

/** @since 0.1.0 @category bodies */
export type ConsumerData = Schema.Schema.Type<typeof ConsumerData>

/**
 * A producer group this client is part of (Java: `ProducerData`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const ProducerData = Schema.Struct({ groupName: Schema.String }).annotations({ identifier: "ProducerData" })

/**
 * The body of HEART_BEAT (34) (Java: `HeartbeatData`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const HeartbeatData = Schema.Struct({
  clientID: Schema.String,
  consumerDataSet: Schema.optionalWith(Schema.Array(ConsumerData), { default: () => [] }),
  producerDataSet: Schema.optionalWith(Schema.Array(ProducerData), { default: () => [] })
}).annotations({ identifier: "HeartbeatData" })

/** @since 0.1.0 @category bodies */
export type HeartbeatData = Schema.Schema.Type<typeof HeartbeatData>
