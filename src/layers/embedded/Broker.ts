import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as FiberSet from "effect/FiberSet"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import type { HostAddress } from "../../protocol/HostAddress.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { RMQ_SYS_TRACE_TOPIC } from "../../protocol/TraceData.js"
import { replyTopic } from "../../services/Reply.js"
import { makeAckMessageProcessor } from "./AckMessageProcessor.js"
import { aclRefusal } from "./AclValidator.js"
import { makeAdminBrokerProcessor } from "./AdminBrokerProcessor.js"
import { type BrokerOptions, DEFAULT_TOPIC } from "./BrokerConfig.js"
import { type BrokerState, fail } from "./BrokerState.js"
import { makeClientManageProcessor } from "./ClientManageProcessor.js"
import { ClientRegistry } from "./ClientRegistry.js"
import { makeConsumerManageProcessor } from "./ConsumerManageProcessor.js"
import { makeEndTransactionProcessor } from "./EndTransactionProcessor.js"
import { makeGroupAdminProcessor } from "./GroupAdminProcessor.js"
import { MessageStore, type TopicConfig } from "./MessageStore.js"
import { PopCheckpoints } from "./PopCheckpoints.js"
import { makePopMessageProcessor } from "./PopMessageProcessor.js"
import { makePullMessageProcessor } from "./PullMessageProcessor.js"
import { type ClusterView, makeQueryAssignmentProcessor } from "./QueryAssignmentProcessor.js"
import { makeQueryMessageProcessor } from "./QueryMessageProcessor.js"
import { QueueLocks } from "./QueueLocks.js"
import type { ServerHandler } from "./RemotingServer.js"
import { makeReplyMessageProcessor } from "./ReplyMessageProcessor.js"
import { makeSendMessageProcessor } from "./SendMessageProcessor.js"
import { makeTopicAdminProcessor } from "./TopicAdminProcessor.js"
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
 * The broker's request table by code (Java: the processors `BrokerController.registerProcessor` puts in the remoting
 * server's processor table): each request code answered by its processor, any other code refused.
 */
const makeProcessorTable = (state: BrokerState, cluster: ClusterView): ServerHandler => {
  const v4 = makeProcessorTable4(state)
  if (state.options.version !== "5.0") return v4
  // RocketMQ 5.0's processors (Java: `PopMessageProcessor`, `AckMessageProcessor`, `ChangeInvisibleTimeProcessor`,
  // `QueryAssignmentProcessor`).
  const checkpoints = new PopCheckpoints(state)
  const pop = { ...makePopMessageProcessor(state, checkpoints), ...makeAckMessageProcessor(state, checkpoints) }
  const assignment = makeQueryAssignmentProcessor(state, cluster)
  return (request, connection) => {
    switch (request.code) {
      case RequestCode.POP_MESSAGE:
        return pop.popMessage(request)
      case RequestCode.ACK_MESSAGE:
        return pop.ackMessage(request)
      case RequestCode.CHANGE_MESSAGE_INVISIBLETIME:
        return pop.changeInvisibleTime(request)
      case RequestCode.QUERY_ASSIGNMENT:
        return assignment.queryAssignment(request)
      case RequestCode.SET_MESSAGE_REQUEST_MODE:
        return assignment.setMessageRequestMode(request)
      default:
        return v4(request, connection)
    }
  }
}

/** The processors of RocketMQ 4.9, which 5.0 keeps. */
const makeProcessorTable4 = (state: BrokerState): ServerHandler => {
  const { consumerSendMsgBack, groupTopic, sendMessage } = makeSendMessageProcessor(state)
  const { pullMessage } = makePullMessageProcessor(state)
  const { heartbeat, unregisterClient } = makeClientManageProcessor(state, groupTopic)
  const { getConsumerListByGroup, queryConsumerOffset, updateConsumerOffset } = makeConsumerManageProcessor(state)
  const admin = makeAdminBrokerProcessor(state)
  const endTransaction = makeEndTransactionProcessor(state)
  const topicAdmin = makeTopicAdminProcessor(state)
  const groupAdmin = makeGroupAdminProcessor(state)
  const queries = makeQueryMessageProcessor(state)
  const replyMessage = makeReplyMessageProcessor(state)
  return (request, connection) => {
    switch (request.code) {
      case RequestCode.SEND_MESSAGE:
      case RequestCode.SEND_MESSAGE_V2:
      case RequestCode.SEND_BATCH_MESSAGE:
        return sendMessage(request, connection)
      case RequestCode.SEND_REPLY_MESSAGE:
      case RequestCode.SEND_REPLY_MESSAGE_V2:
        return replyMessage(request, connection)
      case RequestCode.PULL_MESSAGE:
      case RequestCode.LITE_PULL_MESSAGE: // 5.x's lite pull consumer: the same processor, as the 5.x broker's
        return pullMessage(request, true)
      case RequestCode.QUERY_CONSUMER_OFFSET:
        return queryConsumerOffset(request)
      case RequestCode.UPDATE_CONSUMER_OFFSET:
        return updateConsumerOffset(request)
      case RequestCode.GET_MAX_OFFSET:
        return admin.getMaxOffset(request)
      case RequestCode.GET_MIN_OFFSET:
        return admin.getMinOffset(request)
      case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP:
        return admin.searchOffsetByTimestamp(request)
      case RequestCode.GET_EARLIEST_MSG_STORETIME:
        return admin.getEarliestMsgStoretime(request)
      case RequestCode.HEART_BEAT:
        return heartbeat(request, connection)
      case RequestCode.UNREGISTER_CLIENT:
        return unregisterClient(request)
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
        return getConsumerListByGroup(request)
      case RequestCode.END_TRANSACTION:
        return endTransaction(request)
      case RequestCode.CONSUMER_SEND_MSG_BACK:
        return consumerSendMsgBack(request)
      case RequestCode.LOCK_BATCH_MQ:
        return admin.lockBatchMQ(request)
      case RequestCode.UNLOCK_BATCH_MQ:
        return admin.unlockBatchMQ(request)
      case RequestCode.UPDATE_AND_CREATE_TOPIC:
        return topicAdmin.updateAndCreateTopic(request)
      case RequestCode.DELETE_TOPIC_IN_BROKER:
        return topicAdmin.deleteTopic(request)
      case RequestCode.GET_TOPIC_STATS_INFO:
        return topicAdmin.getTopicStatsInfo(request)
      case RequestCode.GET_BROKER_RUNTIME_INFO:
        return topicAdmin.getBrokerRuntimeInfo(request)
      case RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP:
        return groupAdmin.updateAndCreateSubscriptionGroup(request)
      case RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG:
        return groupAdmin.getAllSubscriptionGroup(request)
      case RequestCode.DELETE_SUBSCRIPTIONGROUP:
        return groupAdmin.deleteSubscriptionGroup(request)
      case RequestCode.GET_CONSUMER_CONNECTION_LIST:
        return groupAdmin.getConsumerConnectionList(request)
      case RequestCode.GET_CONSUME_STATS:
        return groupAdmin.getConsumeStats(request)
      case RequestCode.GET_CONSUMER_RUNNING_INFO:
        return groupAdmin.getConsumerRunningInfo(request)
      case RequestCode.INVOKE_BROKER_TO_RESET_OFFSET:
        return groupAdmin.invokeBrokerToResetOffset(request)
      case RequestCode.QUERY_MESSAGE:
        return queries.queryMessage(request)
      case RequestCode.VIEW_MESSAGE_BY_ID:
        return queries.viewMessageById(request)
      default:
        return fail(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${request.code} not supported`)
    }
  }
}

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
  clock: Clock.Clock,
  cluster?: ClusterView
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
  if (options.traceTopicEnable === true) {
    // Java: `TopicConfigManager`: the trace topic, one queue to read and write.
    createTopic({
      topicName: options.msgTraceTopicName ?? RMQ_SYS_TRACE_TOPIC,
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: PermName.READ | PermName.WRITE,
      topicSysFlag: 0,
      order: false
    })
  }
  // Every broker has its cluster's reply topic from the start, one queue (Java: `TopicConfigManager`'s system topics).
  createTopic({
    topicName: replyTopic(options.clusterName),
    readQueueNums: 1,
    writeQueueNums: 1,
    perm: PermName.READ | PermName.WRITE,
    topicSysFlag: 0,
    order: false
  })
  const brokerAddress = `${address.host}:${address.port}`

  const state: BrokerState = {
    options,
    topics,
    store,
    clients,
    locks,
    transactions,
    consumerOffsets,
    subscriptionGroups: new Map(),
    createTopic,
    bootTimestamp: clock.unsafeCurrentTimeMillis(),
    delayLevels,
    background,
    clock
  }
  const dispatch = makeProcessorTable(state, cluster ?? (() => [{ brokerName: options.brokerName, topics }]))

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

  const checkTransactions = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => transactions.check(now)))

  return { options, address: brokerAddress, topics, store, clients, createTopic, handle, checkTransactions, faults }
}
