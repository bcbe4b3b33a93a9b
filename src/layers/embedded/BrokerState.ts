import type * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as FiberSet from "effect/FiberSet"
import type { SubscriptionGroupConfig } from "../../protocol/bodies/AdminBodies.js"
import type { CommandHeader } from "../../protocol/headers/CommandHeader.js"
import { decodeHeader } from "../../protocol/headers/CommandHeader.js"
import type { SendMessageRequestHeader } from "../../protocol/headers/SendHeaders.js"
import type { HostAddress } from "../../protocol/HostAddress.js"
import type { MessageProperties } from "../../protocol/MessageProperties.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { BrokerOptions } from "./BrokerConfig.js"
import type { ClientRegistry } from "./ClientRegistry.js"
import type { MessageStore, MessageToStore, TopicConfig } from "./MessageStore.js"
import type { QueueLocks } from "./QueueLocks.js"
import type { ServerConnection } from "./RemotingServer.js"
import type { Transactions } from "./Transactions.js"

/**
 * What the request processors of one embedded broker share: its settings, topics, store, groups, locks,
 * transactions, consumer offsets, the scope's fiber set for delayed work, and the clock (read at once by the answers
 * that need no effect, so that they are answered without a fiber of their own).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface BrokerState {
  readonly options: BrokerOptions
  readonly topics: Map<string, TopicConfig>
  readonly store: MessageStore
  readonly clients: ClientRegistry
  readonly locks: QueueLocks
  readonly transactions: Transactions
  readonly consumerOffsets: Map<string, number>
  /** Consumer groups' settings (Java: `SubscriptionGroupManager`), made by UPDATE_AND_CREATE_SUBSCRIPTIONGROUP. */
  readonly subscriptionGroups: Map<string, SubscriptionGroupConfig>
  readonly createTopic: (config: TopicConfig) => void
  /** When the broker started (Clock milliseconds; Java: `bootTimestamp` of its runtime info). */
  readonly bootTimestamp: number
  readonly delayLevels: ReadonlyArray<Duration.Duration>
  readonly background: FiberSet.FiberSet
  readonly clock: Clock.Clock
}

export const fail = (request: RemotingCommand, code: number, remark: string) =>
  Effect.succeed(response(request, code, { remark }))

export const withHeader = <A>(
  request: RemotingCommand,
  header: CommandHeader<A>,
  f: (header: A) => Effect.Effect<RemotingCommand | undefined>
): Effect.Effect<RemotingCommand | undefined> =>
  Either.match(decodeHeader(header, request.extFields), {
    onLeft: (error) => fail(request, ResponseCode.SYSTEM_ERROR, `the request header is not valid: ${error.message}`),
    onRight: f
  })

export const offsetKey = (group: string, topic: string, queueId: number) => `${group}\u0000${topic}\u0000${queueId}`

/** The group, topic and queue id of an {@link offsetKey}. */
export const parseOffsetKey = (key: string) => {
  const [group = "", topic = "", queueId = "0"] = key.split("\u0000")
  return { group, topic, queueId: Number(queueId) }
}

export const hostOf = (connection: ServerConnection): HostAddress => ({
  host: connection.remoteHost,
  port: connection.remotePort
})

/** The message a send (or a reply) stores: its header's fields, the queue, properties and body, born at the sender. */
export const messageToStore = (
  header: SendMessageRequestHeader,
  queueId: number,
  properties: MessageProperties,
  body: Uint8Array,
  connection: ServerConnection
): MessageToStore => ({
  topic: header.topic,
  queueId,
  flag: header.flag,
  properties,
  body,
  sysFlag: header.sysFlag,
  bornTimestamp: header.bornTimestamp,
  bornHost: hostOf(connection),
  reconsumeTimes: header.reconsumeTimes ?? 0,
  preparedTransactionOffset: 0
})
