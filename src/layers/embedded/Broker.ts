import { Clock, Duration, Effect, Either, type FiberSet } from "effect"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  ConsumerListBody,
  LockBatchRequestBody,
  LockBatchResponseBody,
  UnlockBatchRequestBody
} from "../../protocol/bodies/ConsumerGroupBodies.js"
import { HeartbeatData } from "../../protocol/bodies/HeartbeatData.js"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import {
  CreateTopicRequestHeader,
  GetConsumerListByGroupRequestHeader,
  UnregisterClientRequestHeader
} from "../../protocol/headers/ClientHeaders.js"
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  QueryConsumerOffsetRequestHeader,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import { EndTransactionRequestHeader } from "../../protocol/headers/TransactionHeaders.js"
import type { HostAddress } from "../../protocol/HostAddress.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { aclRefusal } from "./AclValidator.js"
import { type BrokerOptions, DEFAULT_TOPIC, RETRY_GROUP_TOPIC_PREFIX } from "./BrokerConfig.js"
import { type BrokerState, fail, offsetKey, withHeader } from "./BrokerState.js"
import { ClientRegistry } from "./ClientRegistry.js"
import { MessageStore, type TopicConfig } from "./MessageStore.js"
import { makePullMessageProcessor } from "./PullMessageProcessor.js"
import { QueueLocks } from "./QueueLocks.js"
import type { ServerConnection, ServerHandler } from "./RemotingServer.js"
import { makeSendMessageProcessor } from "./SendMessageProcessor.js"
import { Transactions } from "./Transactions.js"

export * from "./BrokerConfig.js"

/**
 * One embedded broker: its topics, store and client registry, and the handler that answers its requests.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface Broker {
  readonly options: BrokerOptions
  readonly address: string
  readonly topics: ReadonlyMap<string, TopicConfig>
  readonly store: MessageStore
  readonly clients: ClientRegistry
  readonly createTopic: (config: TopicConfig) => void
  readonly handle: ServerHandler
  /** One round of the transaction check-back; the cluster runs it every `transactionCheckIntervalMillis`. */
  readonly checkTransactions: Effect.Effect<void>
  /** Faults injected for tests and simulations. */
  readonly faults: BrokerFaults
}

/**
 * A request an embedded broker received: its code, header fields, and the Clock time it came.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface ReceivedRequest {
  readonly code: number
  readonly extFields: Readonly<Record<string, string>>
  readonly at: number
}

/**
 * Faults an embedded broker can be told to show (for tests and simulations): a delay before every answer, and
 * requests of a code answered with a chosen response code a number of times.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface BrokerFaults {
  /** The latest requests received (at least 10,000), in order (for tests that check what a client sent and when). */
  readonly received: Array<ReceivedRequest>
  latency: Duration.Duration
  readonly failures: Map<number, { remaining: number; readonly responseCode: number; readonly remark: string }>
}

/** The header fields recorded for a request that has none. */
const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({})

/** How many of the latest requests a broker keeps for `receivedRequests` (up to twice as many, between trims). */
const RECEIVED_KEPT = 10_000

/**
 * Builds a broker listening at `address` (the store host written into every record). The clock is the one of the
 * layer that runs it (a `TestClock` in tests).
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeBroker = (
  options: BrokerOptions,
  address: HostAddress,
  background: FiberSet.FiberSet,
  delayLevels: ReadonlyArray<Duration.Duration>,
  clock: Clock.Clock
): Broker => {
  const topics = new Map<string, TopicConfig>()
  const store = new MessageStore(address)
  const clients = new ClientRegistry()
  const locks = new QueueLocks()
  const transactions = new Transactions(store, clients, options.transactions)
  const consumerOffsets = new Map<string, number>()
  const createTopic = (config: TopicConfig) => void topics.set(config.topicName, config)
  if (options.autoCreateTopicEnable) {
    createTopic({
      topicName: DEFAULT_TOPIC,
      readQueueNums: options.defaultTopicQueueNums,
      writeQueueNums: options.defaultTopicQueueNums,
      perm: PermName.READ | PermName.WRITE | PermName.INHERIT,
      topicSysFlag: 0,
      order: false
    })
  }
  const brokerAddress = `${address.host}:${address.port}`

  const state: BrokerState = {
    options,
    topics,
    store,
    clients,
    locks,
    transactions,
    consumerOffsets,
    createTopic,
    delayLevels,
    background,
    clock
  }
  const { consumerSendMsgBack, groupTopic, sendMessage } = makeSendMessageProcessor(state)
  const { pullMessage } = makePullMessageProcessor(state)

  const offsetResponse = (request: RemotingCommand, offset: number) =>
    Effect.succeed(response(request, ResponseCode.SUCCESS, { extFields: { offset: String(offset) } }))

  const lockBatch = (request: RemotingCommand) =>
    Either.match(decodeBody(LockBatchRequestBody, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (body) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          response(request, ResponseCode.SUCCESS, {
            body: encodeBody(LockBatchResponseBody, {
              lockOKMQSet: locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId, now)
            })
          }))
    })

  const unlockBatch = (request: RemotingCommand) =>
    Either.match(decodeBody(UnlockBatchRequestBody, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (body) => {
        locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId)
        return Effect.succeed(response(request, ResponseCode.SUCCESS))
      }
    })

  const heartbeat = (request: RemotingCommand, connection: ServerConnection) =>
    Either.match(decodeBody(HeartbeatData, request.body), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, e.message),
      onRight: (data) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          for (const consumer of data.consumerDataSet) {
            // Java creates the group's retry topic when it first hears of the group (`autoCreateSubscriptionGroup`).
            groupTopic(`${RETRY_GROUP_TOPIC_PREFIX}${consumer.groupName}`)
            clients.registerConsumer(consumer, data.clientID, connection, now)
          }
          for (const producer of data.producerDataSet) {
            clients.registerProducer(producer.groupName, data.clientID, connection, now)
          }
          return response(request, ResponseCode.SUCCESS)
        })
    })

  const faults: BrokerFaults = { received: [], latency: Duration.zero, failures: new Map() }

  /**
   * Answers a request: at once, as an `Effect.succeed`, when it needs nothing that takes time (the remoting server
   * writes those without a fiber). The added latency of `faults` is applied by the remoting server to the answer.
   */
  const handle: ServerHandler = (request, connection) => {
    // The request's header fields are its own, decoded for it and never changed, so they are kept as they are.
    faults.received.push({
      code: request.code,
      extFields: request.extFields ?? NO_FIELDS,
      at: clock.unsafeCurrentTimeMillis()
    })
    // Only the latest are kept, so that a cluster running for long does not grow without end.
    if (faults.received.length > 2 * RECEIVED_KEPT) faults.received.splice(0, faults.received.length - RECEIVED_KEPT)
    const failure = faults.failures.get(request.code)
    if (failure !== undefined && failure.remaining > 0) {
      if (--failure.remaining === 0) faults.failures.delete(request.code)
      return fail(request, failure.responseCode, failure.remark)
    }
    if (options.acl !== undefined) {
      const refused = aclRefusal(options.acl, request)
      if (refused !== undefined) return fail(request, ResponseCode.SYSTEM_ERROR, refused)
    }
    return dispatch(request, connection)
  }

  const dispatch: ServerHandler = (request, connection) => {
    switch (request.code) {
      case RequestCode.SEND_MESSAGE:
      case RequestCode.SEND_MESSAGE_V2:
      case RequestCode.SEND_BATCH_MESSAGE:
        return sendMessage(request, connection)
      case RequestCode.PULL_MESSAGE:
        return pullMessage(request, true)
      case RequestCode.QUERY_CONSUMER_OFFSET:
        return withHeader(request, QueryConsumerOffsetRequestHeader, (h) => {
          const stored = consumerOffsets.get(offsetKey(h.consumerGroup, h.topic, h.queueId))
          // Java answers 0 for a group with no offset when the queue's first message is still in memory: always here.
          return offsetResponse(request, stored ?? 0)
        })
      case RequestCode.UPDATE_CONSUMER_OFFSET:
        return withHeader(request, UpdateConsumerOffsetRequestHeader, (h) => {
          consumerOffsets.set(offsetKey(h.consumerGroup, h.topic, h.queueId), h.commitOffset)
          return Effect.succeed(response(request, ResponseCode.SUCCESS))
        })
      case RequestCode.GET_MAX_OFFSET:
        return withHeader(
          request,
          GetMaxOffsetRequestHeader,
          (h) => offsetResponse(request, store.maxOffset(h.topic, h.queueId))
        )
      case RequestCode.GET_MIN_OFFSET:
        return withHeader(
          request,
          GetMinOffsetRequestHeader,
          (h) => offsetResponse(request, store.minOffset(h.topic, h.queueId))
        )
      case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP:
        return withHeader(
          request,
          SearchOffsetRequestHeader,
          (h) => offsetResponse(request, store.searchOffset(h.topic, h.queueId, h.timestamp))
        )
      case RequestCode.GET_EARLIEST_MSG_STORETIME:
        return withHeader(request, GetEarliestMsgStoretimeRequestHeader, (h) =>
          Effect.succeed(
            response(request, ResponseCode.SUCCESS, {
              extFields: { timestamp: String(store.earliestStoreTime(h.topic, h.queueId)) }
            })
          ))
      case RequestCode.HEART_BEAT:
        return heartbeat(request, connection)
      case RequestCode.UNREGISTER_CLIENT:
        return withHeader(request, UnregisterClientRequestHeader, (h) => {
          if (h.producerGroup !== undefined) clients.unregisterProducer(h.producerGroup, h.clientID)
          if (h.consumerGroup !== undefined) clients.unregisterConsumer(h.consumerGroup, h.clientID)
          return Effect.succeed(response(request, ResponseCode.SUCCESS, { extFields: {} }))
        })
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
        return withHeader(request, GetConsumerListByGroupRequestHeader, (h) => {
          const ids = clients.consumerIds(h.consumerGroup)
          return ids.length === 0
            ? fail(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${h.consumerGroup}`)
            : Effect.succeed(
              response(request, ResponseCode.SUCCESS, { body: encodeBody(ConsumerListBody, { consumerIdList: ids }) })
            )
        })
      case RequestCode.END_TRANSACTION:
        return withHeader(request, EndTransactionRequestHeader, (h) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            transactions.end(h, now)
            return response(request, ResponseCode.SUCCESS)
          }))
      case RequestCode.CONSUMER_SEND_MSG_BACK:
        return consumerSendMsgBack(request)
      case RequestCode.LOCK_BATCH_MQ:
        return lockBatch(request)
      case RequestCode.UNLOCK_BATCH_MQ:
        return unlockBatch(request)
      case RequestCode.UPDATE_AND_CREATE_TOPIC:
        return withHeader(request, CreateTopicRequestHeader, (h) => {
          createTopic({
            topicName: h.topic,
            readQueueNums: h.readQueueNums,
            writeQueueNums: h.writeQueueNums,
            perm: h.perm,
            topicSysFlag: h.topicSysFlag ?? 0,
            order: h.order
          })
          return Effect.succeed(response(request, ResponseCode.SUCCESS))
        })
      default:
        return fail(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${request.code} not supported`)
    }
  }

  const checkTransactions = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => transactions.check(now)))

  return { options, address: brokerAddress, topics, store, clients, createTopic, handle, checkTransactions, faults }
}
