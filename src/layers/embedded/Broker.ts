import { Clock, Duration, Effect, Either, FiberSet } from "effect"
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
import { type CommandHeader, decodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  PullMessageRequestHeader,
  PullSysFlag,
  QueryConsumerOffsetRequestHeader,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import {
  SendMessageRequestHeader as SendMessageRequestHeaderV1,
  SendMessageRequestHeaderV2
} from "../../protocol/headers/SendHeaders.js"
import { ConsumerSendMsgBackRequestHeader, type SendMessageRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { EndTransactionRequestHeader } from "../../protocol/headers/TransactionHeaders.js"
import type { HostAddress } from "../../protocol/HostAddress.js"
import { decodeBatch } from "../../protocol/MessageBatch.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { stringToProperties } from "../../protocol/MessageProperties.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { parseTagExpression } from "../../protocol/TagFilter.js"
import { type AclAccount, aclRefusal } from "./AclValidator.js"
import { ClientRegistry } from "./ClientRegistry.js"
import { type GetMessageResult, MessageStore, type MessageToStore, type TopicConfig } from "./MessageStore.js"
import { QueueLocks } from "./QueueLocks.js"
import type { ServerConnection, ServerHandler } from "./RemotingServer.js"
import { type TransactionCheckOptions, Transactions } from "./Transactions.js"

/**
 * Settings of an embedded broker, with the Java broker's defaults (Java: `BrokerConfig`, `MessageStoreConfig`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface BrokerOptions {
  readonly brokerName: string
  readonly clusterName: string
  /** Java: `autoCreateTopicEnable`, true. */
  readonly autoCreateTopicEnable: boolean
  /** Queues of the default topic TBW102 (Java: `defaultTopicQueueNums`, 8). */
  readonly defaultTopicQueueNums: number
  /** Java: `maxMessageSize`, 4 MiB. */
  readonly maxMessageSize: number
  /** Java: `regionId`, "DefaultRegion". */
  readonly region: string
  /** Java: `messageDelayLevel`. */
  readonly messageDelayLevel: string
  /** Java: `transactionTimeOut` (6 s), `transactionCheckInterval` (60 s), `transactionCheckMax` (15). */
  readonly transactions: TransactionCheckOptions
  /** The access list (Java: `aclEnable` with `plain_acl.yml`); none, the default, lets every request through. */
  readonly acl?: ReadonlyArray<AclAccount> | undefined
}

/**
 * The broker's default delay levels (Java: `MessageStoreConfig.messageDelayLevel`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const DEFAULT_DELAY_LEVELS = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"

/**
 * The durations of a delay-level string such as "1s 5s 10s 1m 2h" (Java: `ScheduleMessageService.parseDelayLevel`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const parseDelayLevels = (levels: string): Either.Either<ReadonlyArray<Duration.Duration>, string> =>
  Either.all(
    levels.trim().split(/\s+/).map((level) => {
      const unit = level.slice(-1) as "s" | "m" | "h" | "d"
      const amount = Number(level.slice(0, -1))
      const millis = ({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const)[unit]
      return millis === undefined || !Number.isFinite(amount) || amount < 0
        ? Either.left(`not a delay level: ${JSON.stringify(level)} (a number and s, m, h or d)`)
        : Either.right(Duration.millis(amount * millis))
    })
  )

/**
 * The topic that holds delayed messages until they are due (Java: `TopicValidator.RMQ_SYS_SCHEDULE_TOPIC`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX"

/**
 * The default topic from which topics are created on first send (Java: `TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const DEFAULT_TOPIC = "TBW102"

/**
 * The prefix of a consumer group's retry topic (Java: `MixAll.RETRY_GROUP_TOPIC_PREFIX`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const RETRY_GROUP_TOPIC_PREFIX = "%RETRY%"

/**
 * The prefix of a consumer group's dead-letter topic (Java: `MixAll.DLQ_GROUP_TOPIC_PREFIX`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const DLQ_GROUP_TOPIC_PREFIX = "%DLQ%"

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
 * Faults an embedded broker can be told to show (for tests and simulations): a delay before every answer, and
 * requests of a code answered with a chosen response code a number of times.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface BrokerFaults {
  latency: Duration.Duration
  readonly failures: Map<number, { remaining: number; readonly responseCode: number; readonly remark: string }>
}

const fail = (request: RemotingCommand, code: number, remark: string) =>
  Effect.succeed(response(request, code, { remark }))

const withHeader = <A>(
  request: RemotingCommand,
  header: CommandHeader<A>,
  f: (header: A) => Effect.Effect<RemotingCommand | undefined>
): Effect.Effect<RemotingCommand | undefined> =>
  Either.match(decodeHeader(header, request.extFields), {
    onLeft: (error) => fail(request, ResponseCode.SYSTEM_ERROR, `the request header is not valid: ${error.message}`),
    onRight: f
  })

const offsetKey = (group: string, topic: string, queueId: number) => `${group}\u0000${topic}\u0000${queueId}`

const hostOf = (connection: ServerConnection): HostAddress => ({
  host: connection.remoteHost,
  port: connection.remotePort
})

/**
 * Builds a broker listening at `address` (the store host written into every record).
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeBroker = (
  options: BrokerOptions,
  address: HostAddress,
  background: FiberSet.FiberSet,
  delayLevels: ReadonlyArray<Duration.Duration>
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

  /** The topic to send to, created from the default topic when allowed (Java: `createTopicInSendMessageMethod`). */
  const topicForSend = (header: SendMessageRequestHeader): TopicConfig | undefined => {
    const existing = topics.get(header.topic)
    if (existing !== undefined) return existing
    const defaultTopic = topics.get(header.defaultTopic)
    if (defaultTopic === undefined || (defaultTopic.perm & PermName.INHERIT) === 0) return undefined
    const queueNums = Math.min(header.defaultTopicQueueNums, defaultTopic.writeQueueNums)
    const config: TopicConfig = {
      topicName: header.topic,
      readQueueNums: queueNums,
      writeQueueNums: queueNums,
      perm: defaultTopic.perm & ~PermName.INHERIT,
      topicSysFlag: header.sysFlag & 0,
      order: false
    }
    createTopic(config)
    return config
  }

  const checkSend = (request: RemotingCommand, header: SendMessageRequestHeader, connection: ServerConnection) => {
    const topic = topicForSend(header)
    if (topic === undefined) {
      return Either.left(
        response(request, ResponseCode.TOPIC_NOT_EXIST, {
          remark:
            `topic[${header.topic}] not exist, apply first please! See http://rocketmq.apache.org/docs/faq/ for further details.`
        })
      )
    }
    if ((topic.perm & PermName.WRITE) === 0) {
      return Either.left(
        response(request, ResponseCode.NO_PERMISSION, {
          remark: `the topic[${header.topic}] sending message is forbidden`
        })
      )
    }
    const queueId = header.queueId < 0 ? Math.floor(Math.random() * topic.writeQueueNums) : header.queueId
    if (queueId >= Math.max(topic.readQueueNums, topic.writeQueueNums)) {
      return Either.left(
        response(request, ResponseCode.SYSTEM_ERROR, {
          remark: `request queueId[${queueId}] is illegal, ${
            JSON.stringify(topic)
          } Producer: ${connection.remoteAddress}`
        })
      )
    }
    return Either.right(queueId)
  }

  const sendHeaderOf = (request: RemotingCommand) =>
    request.code === RequestCode.SEND_MESSAGE
      ? decodeHeader(SendMessageRequestHeaderV1, request.extFields)
      : decodeHeader(SendMessageRequestHeaderV2, request.extFields)

  /**
   * Holds a message until its delay level is due, then puts it on its real queue (Java: the delay-level queues of
   * SCHEDULE_TOPIC_XXXX and `ScheduleMessageService`): it arrives with REAL_TOPIC, REAL_QID and WAIT among its
   * properties, as the real broker delivers it.
   */
  const delay = (message: MessageToStore, level: number, wait: string | undefined, now: number) => {
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

  const sendResponse = (request: RemotingCommand, msgId: string, queueId: number, queueOffset: number) =>
    response(request, ResponseCode.SUCCESS, {
      extFields: {
        msgId,
        queueId: String(queueId),
        queueOffset: String(queueOffset),
        MSG_REGION: options.region,
        TRACE_ON: "true"
      }
    })

  const sendMessage = (request: RemotingCommand, connection: ServerConnection) =>
    Either.match(sendHeaderOf(request), {
      onLeft: (e) => fail(request, ResponseCode.SYSTEM_ERROR, `the request header is not valid: ${e.message}`),
      onRight: (header) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const body = request.body ?? new Uint8Array(0)
          if (body.length > options.maxMessageSize) {
            return fail(
              request,
              ResponseCode.MESSAGE_ILLEGAL,
              `the message body size over max value, MAX: ${options.maxMessageSize}`
            )
          }
          const checked = checkSend(request, header, connection)
          if (Either.isLeft(checked)) return Effect.succeed(checked.left)
          const queueId = checked.right
          if (request.code === RequestCode.SEND_BATCH_MESSAGE || header.batch === true) {
            return sendBatch(request, header, queueId, body, connection, now)
          }
          const { [MessageConst.WAIT]: wait, ...sent } = stringToProperties(header.properties ?? "")
          const message = {
            topic: header.topic,
            queueId,
            flag: header.flag,
            // Java stores the message without WAIT (it saves 9 bytes), with the broker's cluster name.
            properties: { ...sent, [MessageConst.CLUSTER]: options.clusterName },
            body,
            sysFlag: header.sysFlag,
            bornTimestamp: header.bornTimestamp,
            bornHost: hostOf(connection),
            reconsumeTimes: header.reconsumeTimes ?? 0,
            preparedTransactionOffset: 0
          }
          const level = Number(sent[MessageConst.DELAY] ?? 0)
          const prepared = sent[MessageConst.TRAN_MSG] === "true"
          const stored = prepared
            ? Effect.succeed(transactions.prepare(message, now))
            : level > 0 && delayLevels.length > 0
            ? delay(message, level, wait, now)
            : Effect.succeed(store.append(message, now))
          return Effect.flatMap(stored, (result) =>
            Either.match(result, {
              onLeft: (e) => fail(request, ResponseCode.MESSAGE_ILLEGAL, e.message),
              onRight: (r) =>
                Effect.succeed(
                  // A delayed message answers with its queue and its offset in the delay level's queue, as Java does.
                  sendResponse(request, r.offsetMsgId, queueId, r.queueOffset)
                )
            }))
        })
    })

  const sendBatch = (
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    queueId: number,
    body: Uint8Array,
    connection: ServerConnection,
    now: number
  ) =>
    Either.match(decodeBatch(body), {
      onLeft: (e) => fail(request, ResponseCode.MESSAGE_ILLEGAL, `the batch body is not valid: ${e.message}`),
      onRight: (entries) => {
        const ids: Array<string> = []
        let first = -1
        for (const entry of entries) {
          const stored = store.append(
            {
              topic: header.topic,
              queueId,
              flag: entry.flag,
              // The broker adds the batch's own properties (WAIT) and its cluster to each message's.
              properties: {
                ...entry.properties,
                [MessageConst.CLUSTER]: options.clusterName,
                ...stringToProperties(header.properties ?? "")
              },
              body: entry.body,
              sysFlag: header.sysFlag,
              bornTimestamp: header.bornTimestamp,
              bornHost: hostOf(connection),
              reconsumeTimes: header.reconsumeTimes ?? 0,
              preparedTransactionOffset: 0
            },
            now
          )
          if (Either.isLeft(stored)) return fail(request, ResponseCode.MESSAGE_ILLEGAL, stored.left.message)
          if (first < 0) first = stored.right.queueOffset
          ids.push(stored.right.offsetMsgId)
        }
        return Effect.succeed(sendResponse(request, ids.join(","), queueId, first))
      }
    })

  const pullStatusCode = (status: GetMessageResult["status"]): number => {
    switch (status) {
      case "FOUND":
        return ResponseCode.SUCCESS
      case "NO_MATCHED_MESSAGE":
        return ResponseCode.PULL_RETRY_IMMEDIATELY
      case "NO_MESSAGE_IN_QUEUE":
      case "OFFSET_OVERFLOW_ONE":
        return ResponseCode.PULL_NOT_FOUND
      case "OFFSET_OVERFLOW_BADLY":
      case "OFFSET_TOO_SMALL":
        return ResponseCode.PULL_OFFSET_MOVED
    }
  }

  const pullMessage = (request: RemotingCommand, allowSuspend: boolean): Effect.Effect<RemotingCommand | undefined> =>
    withHeader(request, PullMessageRequestHeader, (header) => {
      const topic = topics.get(header.topic)
      if (topic === undefined) {
        return fail(
          request,
          ResponseCode.TOPIC_NOT_EXIST,
          `topic[${header.topic}] not exist, apply first please! See http://rocketmq.apache.org/docs/faq/ for further details.`
        )
      }
      if ((topic.perm & PermName.READ) === 0) {
        return fail(request, ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`)
      }
      if (header.queueId < 0 || header.queueId >= topic.readQueueNums) {
        return fail(
          request,
          ResponseCode.SYSTEM_ERROR,
          `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${header.consumerGroup}]`
        )
      }
      let codes: ReadonlyArray<number>
      if ((header.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
        codes = parseTagExpression(header.subscription ?? "*").codes
      } else {
        if (!clients.hasConsumerGroup(header.consumerGroup)) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, "the consumer's group info not exist")
        }
        const subscription = clients.subscription(header.consumerGroup, header.topic)
        if (subscription === undefined) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, "the consumer's subscription not exist")
        }
        if (subscription.subVersion < header.subVersion) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest")
        }
        codes = subscription.subString === "*" ? [] : subscription.codeSet
      }
      if ((header.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && allowSuspend && header.commitOffset >= 0) {
        consumerOffsets.set(offsetKey(header.consumerGroup, header.topic, header.queueId), header.commitOffset)
      }
      const result = store.getMessages(header.topic, header.queueId, header.queueOffset, header.maxMsgNums, codes)
      const code = pullStatusCode(result.status)
      if (code === ResponseCode.PULL_NOT_FOUND && allowSuspend && (header.sysFlag & PullSysFlag.SUSPEND) !== 0) {
        // Long polling (Java: `PullRequestHoldService`): answer when a message arrives or the suspend time passes.
        return Effect.async<void>((resume) => {
          const stop = store.onArrival(header.topic, header.queueId, () => {
            stop()
            resume(Effect.void)
          })
          return Effect.sync(stop)
        }).pipe(
          Effect.timeout(header.suspendTimeoutMillis),
          Effect.option,
          Effect.zipRight(Effect.suspend(() => pullMessage(request, false)))
        )
      }
      return Effect.succeed(
        response(request, code, {
          remark: result.status,
          extFields: {
            suggestWhichBrokerId: "0",
            nextBeginOffset: String(result.nextBeginOffset),
            maxOffset: String(result.maxOffset),
            minOffset: String(result.minOffset)
          },
          body: result.records.length > 0 ? Buffer.concat(result.records) : undefined
        })
      )
    })

  const offsetResponse = (request: RemotingCommand, offset: number) =>
    Effect.succeed(response(request, ResponseCode.SUCCESS, { extFields: { offset: String(offset) } }))

  /** Creates a group's retry or dead-letter topic, one queue read and write (Java: `createTopicInSendMessageBackMethod`). */
  const groupTopic = (topicName: string): TopicConfig => {
    const existing = topics.get(topicName)
    if (existing !== undefined) return existing
    const config = {
      topicName,
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: PermName.READ | PermName.WRITE,
      topicSysFlag: 0,
      order: false
    }
    createTopic(config)
    return config
  }

  /**
   * A message the consumer could not consume, back to the broker (Java: `SendMessageProcessor.asyncConsumerSendMsgBack`):
   * onto the group's retry topic with the next delay level, or past its max reconsume times onto the dead-letter topic.
   */
  const consumerSendMsgBack = (request: RemotingCommand) =>
    withHeader(request, ConsumerSendMsgBackRequestHeader, (header) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const original = store.lookMessageByOffset(header.offset)
        if (original === undefined) {
          return fail(request, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`)
        }
        const properties: Record<string, string> = { ...original.properties }
        properties[MessageConst.RETRY_TOPIC] ??= original.topic
        properties[MessageConst.WAIT] = "false"
        let delayLevel = header.delayLevel
        const maxReconsumeTimes = header.maxReconsumeTimes ?? 16
        let topic = `${RETRY_GROUP_TOPIC_PREFIX}${header.group}`
        if (original.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0) {
          topic = `${DLQ_GROUP_TOPIC_PREFIX}${header.group}`
          delayLevel = 0
        } else if (delayLevel === 0) {
          delayLevel = 3 + original.reconsumeTimes
        }
        groupTopic(topic)
        properties[MessageConst.DELAY] = String(delayLevel)
        properties[MessageConst.ORIGIN_MESSAGE_ID] ??= original.offsetMsgId
        const message: MessageToStore = {
          topic,
          queueId: 0,
          flag: original.flag,
          properties,
          body: original.body,
          sysFlag: original.sysFlag,
          bornTimestamp: original.bornTimestamp,
          bornHost: original.bornHost,
          reconsumeTimes: original.reconsumeTimes + 1,
          preparedTransactionOffset: 0
        }
        const stored = delayLevel > 0 && delayLevels.length > 0
          ? delay(message, delayLevel, undefined, now)
          : Effect.succeed(store.append(message, now))
        return Effect.map(stored, (result) =>
          Either.isLeft(result)
            ? response(request, ResponseCode.SYSTEM_ERROR, { remark: result.left.message })
            : response(request, ResponseCode.SUCCESS))
      }))

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

  const faults: BrokerFaults = { latency: Duration.zero, failures: new Map() }

  const handle: ServerHandler = (request, connection) => {
    const answer = Effect.suspend(() => {
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
    })
    return Duration.isZero(faults.latency) ? answer : Effect.zipRight(Effect.sleep(faults.latency), answer)
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
