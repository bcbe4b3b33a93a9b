import { type Duration, Effect, Either, Metric, Option } from "effect"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import {
  ConsumerListBody,
  LockBatchRequestBody,
  LockBatchResponseBody
} from "../../protocol/bodies/ConsumerGroupBodies.js"
import { type CommandHeader, decodeHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  GetMaxOffsetRequestHeader,
  OffsetResponseHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  SearchOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader
} from "../../protocol/headers/ConsumeHeaders.js"
import { ConsumerSendMsgBackRequestHeader } from "../../protocol/headers/SendHeaders.js"
import { decodeMessages, type MessageExt } from "../../protocol/MessageDecoder.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { type RemotingCommand, request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { BrokerResponseError } from "../../services/BrokerResponseError.js"
import { BrokerNotFoundError } from "../../services/PushConsumer.js"
import type { RemotingClientService, RemotingError } from "../../services/RemotingClient.js"
import type { RouteError, TopicRouteCacheService } from "../../services/TopicRouteCache.js"
import { tagged } from "./ConsumerMetrics.js"

/**
 * What a pull found (Java: `PullStatus`).
 *
 * @since 0.1.0
 * @category consumer
 */
export type PullStatus = "FOUND" | "NO_NEW_MSG" | "NO_MATCHED_MSG" | "OFFSET_ILLEGAL"

/**
 * The answer to a pull (Java: `PullResult`): the messages as decoded (before the client-side tag filter), the next
 * offset to pull from, and the broker the next pull should go to.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface PullResult {
  readonly status: PullStatus
  readonly nextBeginOffset: number
  readonly minOffset: number
  readonly maxOffset: number
  readonly suggestWhichBrokerId: number
  readonly messages: ReadonlyArray<MessageExt>
}

/**
 * Everything a consumer's broker call can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ConsumerCallError = RemotingError | BrokerResponseError | BrokerNotFoundError | ProtocolError | RouteError

const pullStatusOf = (code: number): PullStatus | undefined => {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "FOUND"
    case ResponseCode.PULL_NOT_FOUND:
      return "NO_NEW_MSG"
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return "NO_MATCHED_MSG"
    case ResponseCode.PULL_OFFSET_MOVED:
      return "OFFSET_ILLEGAL"
    default:
      return undefined
  }
}

/** Requests to brokers made by consumers, by request code (tag `code`). */
const consumerRequests = Metric.counter("rocketmq_consumer_requests_total", {
  description: "Requests consumers sent to brokers"
})

/**
 * The broker calls of a consumer (Java: the consumer half of `MQClientAPIImpl`, with
 * `MQClientInstance.findBrokerAddressInSubscribe`): pulls, offsets, send-back, queue locks and the group's members.
 * Every call is a span named after what it does, with the broker's address.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeConsumerApi = (deps: {
  readonly client: RemotingClientService
  readonly routes: TopicRouteCacheService
  readonly timeout: Duration.Duration
}) => {
  const { client, routes, timeout } = deps

  /**
   * The address to read a broker's queues from (Java: `findBrokerAddressInSubscribe`): the broker id asked for, else
   * the next slave, else (unless `onlyThisBroker`) any; a broker the cache does not know has its topic's route
   * refreshed once.
   */
  const findBrokerAddress = (
    queue: MessageQueue,
    brokerId: number,
    onlyThisBroker: boolean
  ): Effect.Effect<{ readonly address: string; readonly slave: boolean }, BrokerNotFoundError | RouteError> => {
    const lookup = Effect.map(routes.brokerAddresses, (table) => {
      const ids = table.get(queue.brokerName)
      if (ids === undefined) return undefined
      const asked = ids[String(brokerId)] ?? (brokerId !== 0 ? ids[String(brokerId + 1)] : undefined)
      if (asked !== undefined) return { address: asked, slave: brokerId !== 0 }
      if (onlyThisBroker) return undefined
      const [first] = Object.entries(ids)
      return first === undefined ? undefined : { address: first[1], slave: first[0] !== "0" }
    })
    return Effect.flatMap(lookup, (found) =>
      found !== undefined
        ? Effect.succeed(found)
        : Effect.zipRight(
          routes.refresh(queue.topic),
          Effect.flatMap(lookup, (again) =>
            again !== undefined
              ? Effect.succeed(again)
              : Effect.fail(new BrokerNotFoundError({ brokerName: queue.brokerName, topic: queue.topic })))
        ))
  }

  const masterOf = (queue: MessageQueue) => Effect.map(findBrokerAddress(queue, 0, true), (b) => b.address)

  const call = (name: string, address: string, command: RemotingCommand, callTimeout: Duration.Duration = timeout) =>
    client.invoke(address, command, callTimeout).pipe(
      Effect.tap(() => Metric.increment(tagged(consumerRequests, "request", name))),
      Effect.withSpan(`Consumer.${name}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: { "rocketmq.broker.address": address }
      })
    )

  const brokerError = (address: string, requestCode: number, answer: RemotingCommand) =>
    new BrokerResponseError({ address, requestCode, responseCode: answer.code, remark: answer.remark })

  /** A call whose answer must be SUCCESS; any other code is the broker's typed error. */
  const callOk = (name: string, address: string, command: RemotingCommand) =>
    Effect.flatMap(call(name, address, command), (answer) =>
      answer.code === ResponseCode.SUCCESS
        ? Effect.succeed(answer)
        : Effect.fail(brokerError(address, command.code, answer)))

  const headerOrDie = <A>(schema: CommandHeader<A>, value: A) => Effect.orDie(encodeHeader(schema, value))

  /** PULL_MESSAGE to the broker the last pull suggested (Java: `PullAPIWrapper.pullKernelImpl`). */
  const pull = (
    queue: MessageQueue,
    brokerId: number,
    header: Omit<PullMessageRequestHeader, "topic" | "queueId" | "bname">,
    callTimeout: Duration.Duration
  ): Effect.Effect<PullResult, ConsumerCallError> =>
    Effect.gen(function*() {
      const broker = yield* findBrokerAddress(queue, brokerId, false)
      // Java: a slave does not take commit offsets.
      const sysFlag = broker.slave ? header.sysFlag & ~0x1 : header.sysFlag
      const extFields = yield* headerOrDie(PullMessageRequestHeader, {
        ...header,
        sysFlag,
        topic: queue.topic,
        queueId: queue.queueId,
        bname: queue.brokerName
      })
      const answer = yield* call("pull", broker.address, request(RequestCode.PULL_MESSAGE, extFields), callTimeout)
      const status = pullStatusOf(answer.code)
      if (status === undefined) return yield* brokerError(broker.address, RequestCode.PULL_MESSAGE, answer)
      const fields = yield* Effect.mapError(
        decodeHeader(PullMessageResponseHeader, answer.extFields),
        () => brokerError(broker.address, RequestCode.PULL_MESSAGE, answer)
      )
      const messages = status === "FOUND" && answer.body !== undefined ? yield* decodeMessages(answer.body) : []
      return {
        status,
        nextBeginOffset: fields.nextBeginOffset,
        minOffset: fields.minOffset,
        maxOffset: fields.maxOffset,
        suggestWhichBrokerId: fields.suggestWhichBrokerId,
        messages
      }
    })

  /** QUERY_CONSUMER_OFFSET: the group's offset on the broker, `None` when it has none (QUERY_NOT_FOUND). */
  const queryConsumerOffset = (group: string, queue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(QueryConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: queue.topic,
        queueId: queue.queueId
      })
      const answer = yield* call("queryConsumerOffset", address, request(RequestCode.QUERY_CONSUMER_OFFSET, extFields))
      if (answer.code === ResponseCode.QUERY_NOT_FOUND) return Option.none<number>()
      if (answer.code !== ResponseCode.SUCCESS) {
        return yield* brokerError(address, RequestCode.QUERY_CONSUMER_OFFSET, answer)
      }
      const fields = Either.getOrUndefined(decodeHeader(QueryConsumerOffsetResponseHeader, answer.extFields))
      return Option.fromNullable(fields?.offset)
    })

  /** UPDATE_CONSUMER_OFFSET, oneway as Java's `persistAll` sends it. */
  const updateConsumerOffset = (group: string, queue: MessageQueue, commitOffset: number) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(UpdateConsumerOffsetRequestHeader, {
        consumerGroup: group,
        topic: queue.topic,
        queueId: queue.queueId,
        commitOffset
      })
      yield* client.invokeOneway(address, request(RequestCode.UPDATE_CONSUMER_OFFSET, extFields, { oneway: true }))
    })

  /** A request answered with one offset (GET_MAX_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP), to the queue's master. */
  const offsetCall = (name: string, queue: MessageQueue, code: number, extFields: { readonly [x: string]: string }) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const answer = yield* callOk(name, address, request(code, extFields))
      const fields = yield* Effect.mapError(
        decodeHeader(OffsetResponseHeader, answer.extFields),
        () => brokerError(address, code, answer)
      )
      return fields.offset
    })

  /** GET_MAX_OFFSET: the offset after a queue's last message (Java: `maxOffset`). */
  const maxOffset = (queue: MessageQueue) =>
    Effect.flatMap(
      headerOrDie(GetMaxOffsetRequestHeader, { topic: queue.topic, queueId: queue.queueId }),
      (extFields) => offsetCall("maxOffset", queue, RequestCode.GET_MAX_OFFSET, extFields)
    )

  /** SEARCH_OFFSET_BY_TIMESTAMP: the offset of a queue's first message stored at or after `timestamp`. */
  const searchOffset = (queue: MessageQueue, timestamp: number) =>
    Effect.flatMap(
      headerOrDie(SearchOffsetRequestHeader, { topic: queue.topic, queueId: queue.queueId, timestamp }),
      (extFields) => offsetCall("searchOffset", queue, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, extFields)
    )

  /**
   * CONSUMER_SEND_MSG_BACK (Java: `consumerSendMessageBack`): a message the consumer could not consume goes back to
   * the broker that stored it, onto the group's retry topic, or with a negative delay level straight to its DLQ.
   */
  const sendMessageBack = (
    group: string,
    queue: MessageQueue,
    message: MessageExt,
    delayLevel: number,
    maxReconsumeTimes: number
  ) =>
    Effect.gen(function*() {
      const address = yield* masterOf(queue)
      const extFields = yield* headerOrDie(ConsumerSendMsgBackRequestHeader, {
        offset: message.commitLogOffset,
        group,
        delayLevel,
        originMsgId: message.msgId,
        originTopic: message.topic,
        unitMode: false,
        maxReconsumeTimes
      })
      yield* callOk("sendMessageBack", address, request(RequestCode.CONSUMER_SEND_MSG_BACK, extFields))
    })

  /** GET_CONSUMER_LIST_BY_GROUP to one broker of the topic (Java: `findConsumerIdList`). */
  const consumerIds = (group: string, address: string) =>
    Effect.gen(function*() {
      const answer = yield* callOk(
        "consumerIds",
        address,
        request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group })
      )
      return (yield* decodeBody(ConsumerListBody, answer.body)).consumerIdList
    })

  /** LOCK_BATCH_MQ to a broker's master: answers the queues now locked by this client. */
  const lockBatch = (body: LockBatchRequestBody, brokerQueue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(brokerQueue)
      const answer = yield* callOk(
        "lockBatch",
        address,
        request(RequestCode.LOCK_BATCH_MQ, {}, { body: encodeBody(LockBatchRequestBody, body) })
      )
      return (yield* decodeBody(LockBatchResponseBody, answer.body)).lockOKMQSet
    })

  /** UNLOCK_BATCH_MQ to a broker's master. */
  const unlockBatch = (body: LockBatchRequestBody, brokerQueue: MessageQueue) =>
    Effect.gen(function*() {
      const address = yield* masterOf(brokerQueue)
      yield* callOk(
        "unlockBatch",
        address,
        request(RequestCode.UNLOCK_BATCH_MQ, {}, { body: encodeBody(LockBatchRequestBody, body) })
      )
    })

  return {
    findBrokerAddress,
    pull,
    queryConsumerOffset,
    updateConsumerOffset,
    maxOffset,
    searchOffset,
    sendMessageBack,
    consumerIds,
    lockBatch,
    unlockBatch
  }
}

/**
 * The consumer's broker calls.
 *
 * @since 0.1.0
 * @category consumer
 */
export type ConsumerApi = ReturnType<typeof makeConsumerApi>

type PullMessageRequestHeader = typeof PullMessageRequestHeader.Type
