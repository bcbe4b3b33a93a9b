import { Duration, Effect, Either, Layer, Option, Random, type Scope } from "effect"
import type { TopicRouteData } from "../protocol/bodies/TopicRouteData.js"
import { compressBody } from "../protocol/Compression.js"
import { decodeHeader, encodeHeader } from "../protocol/headers/CommandHeader.js"
import { SendMessageRequestHeaderV2 } from "../protocol/headers/SendHeaders.js"
import {
  CheckTransactionStateRequestHeader,
  EndTransactionRequestHeader
} from "../protocol/headers/TransactionHeaders.js"
import { ipToBytes } from "../protocol/HostAddress.js"
import { encodeBatch } from "../protocol/MessageBatch.js"
import { MessageConst } from "../protocol/MessageConst.js"
import { decodeMessages } from "../protocol/MessageDecoder.js"
import { decodeOffsetMessageId, UniqueIdGenerator } from "../protocol/MessageId.js"
import { propertiesToString } from "../protocol/MessageProperties.js"
import type { MessageQueue } from "../protocol/MessageQueue.js"
import { MessageSysFlag } from "../protocol/MessageSysFlag.js"
import { type RemotingCommand, request } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { BrokerResponseError } from "../services/BrokerResponseError.js"
import { ClientInstance, type DuplicateGroupError } from "../services/ClientInstance.js"
import {
  checkBatch,
  checkMessage,
  type Message,
  messageProperties,
  MessageValidationError
} from "../services/Message.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import { withoutNamespace, wrapNamespace } from "../services/Namespace.js"
import {
  type LocalTransactionState,
  NoRouteError,
  Producer,
  type ProducerService,
  type SendError,
  type SendOptions,
  type SendResult,
  type SendStatus,
  type TransactionChecker
} from "../services/Producer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { RequestHandlers } from "../services/RequestHandlers.js"
import { LatencyFaultTable, publishQueues, selectQueue } from "../services/TopicPublishInfo.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { tracerInstalled } from "./Tracing.js"

/**
 * Settings of a producer, with Java's defaults (Java: `DefaultMQProducer`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProducerOptions {
  readonly group: string
  /** Java: `retryTimesWhenSendFailed`, 2 (so 3 tries). */
  readonly retryTimesWhenSendFailed?: number | undefined
  /** Java: `compressMsgBodyOverHowmuch`, 4 KiB. */
  readonly compressMsgBodyOverHowmuch?: number | undefined
  /** Java: `maxMessageSize`, 4 MiB. */
  readonly maxMessageSize?: number | undefined
  /** Java: `sendMsgTimeout`, 3 s. */
  readonly sendMsgTimeout?: Duration.DurationInput | undefined
  /** Java: `sendLatencyFaultEnable`, false: avoid brokers that failed or answered slowly, per Java's latency table. */
  readonly sendLatencyFaultEnable?: boolean | undefined
  /** Answers the broker's CHECK_TRANSACTION_STATE for this group (Java: `TransactionMQProducer`'s listener). */
  readonly transactionChecker?: TransactionChecker | undefined
  /** Java: `createTopicKey` and `defaultTopicQueueNums`: the topic new topics are created from, with 4 queues. */
  readonly createTopicKey?: string | undefined
  readonly defaultTopicQueueNums?: number | undefined
}

/** Response codes Java retries a send on (Java: `DefaultMQProducer.retryResponseCodes`). */
const RETRY_RESPONSE_CODES: ReadonlySet<number> = new Set([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT
])

/**
 * Whether sending again can help after this answer: Java's retry codes, except a refused signature, which no other
 * broker of the same cluster will accept either: 4.x's plain ACL answers SYSTEM_ERROR naming an `AclException`, 5.x's
 * authentication NO_PERMISSION "check signature failed." (seen from a real 5.5.0 broker in the real suite).
 *
 * @since 0.1.0
 * @category errors
 */
const signatureRefused = (remark: string) =>
  remark.includes("AclException") || remark.includes("check signature failed")

export const isRetryable = (error: SendError): boolean => {
  switch (error._tag) {
    case "BrokerResponseError":
      return RETRY_RESPONSE_CODES.has(error.responseCode) && !signatureRefused(error.remark ?? "")
    case "RemotingConnectError":
    case "RemotingConnectionError":
    case "RemotingTimeoutError":
      return true
    default:
      return false
  }
}

const sendStatusOf = (code: number): SendStatus | undefined => {
  switch (code) {
    case ResponseCode.SUCCESS:
      return "SEND_OK"
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      return "FLUSH_DISK_TIMEOUT"
    case ResponseCode.FLUSH_SLAVE_TIMEOUT:
      return "FLUSH_SLAVE_TIMEOUT"
    case ResponseCode.SLAVE_NOT_AVAILABLE:
      return "SLAVE_NOT_AVAILABLE"
    default:
      return undefined
  }
}

/**
 * Builds a producer in the current scope, registered with the client instance (its heartbeats carry the group)
 * until the scope closes (Java: `DefaultMQProducerImpl`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ProducerOptions
): Effect.Effect<
  ProducerService,
  DuplicateGroupError,
  Scope.Scope | ClientInstance | TopicRouteCache | RemotingClient | NameServerAddresses | RequestHandlers
> =>
  Effect.gen(function*() {
    const instance = yield* ClientInstance
    const routes = yield* TopicRouteCache
    const client = yield* RemotingClient
    const nameServers = yield* NameServerAddresses
    const clock = yield* Effect.clock
    const tracing = yield* tracerInstalled
    // Topics and the group travel under the client's namespace, and come back without it (Java: `withNamespace`).
    const namespace = instance.config.namespace
    const group = wrapNamespace(namespace, options.group)
    const toWire = <M extends Message>(message: M): M => ({
      ...message,
      topic: wrapNamespace(namespace, message.topic)
    })
    const queueToWire = (queue: MessageQueue | undefined) =>
      queue === undefined ? undefined : { ...queue, topic: wrapNamespace(namespace, queue.topic) }
    const fromWire = <R extends SendResult>(result: R): R => ({
      ...result,
      messageQueue: { ...result.messageQueue, topic: withoutNamespace(result.messageQueue.topic) }
    })
    const retries = options.retryTimesWhenSendFailed ?? 2
    const compressOver = options.compressMsgBodyOverHowmuch ?? 4096
    const maxMessageSize = options.maxMessageSize ?? 4 * 1024 * 1024
    const sendTimeout = Duration.decode(options.sendMsgTimeout ?? "3 seconds")
    const createTopicKey = options.createTopicKey ?? "TBW102"
    const defaultTopicQueueNums = options.defaultTopicQueueNums ?? 4
    const faults = new LatencyFaultTable()
    const topics = new Set<string>()
    const publishQueuesOf = new WeakMap<TopicRouteData, ReadonlyArray<MessageQueue>>()
    const counters = new Map<string, number>()
    const ids = new UniqueIdGenerator({
      ip: ipToBytes(instance.config.clientIP) ?? new Uint8Array(4),
      pid: process.pid,
      salt: yield* Random.nextIntBetween(0, 2 ** 31 - 1)
    })

    yield* instance.registerProducer({ groupName: group, topics: Effect.sync(() => [...topics]) })

    /** The queues of a topic: from its route, or from the default topic's when the broker will create it. */
    const queuesOf = (topic: string) =>
      Effect.gen(function*() {
        topics.add(topic)
        const cached = yield* routes.route(topic)
        const route = Option.isSome(cached) ? cached : (yield* routes.refresh(topic)).route
        if (Option.isSome(route)) return publishQueuesFor(topic, route.value)
        const fallback = (yield* routes.refresh(createTopicKey)).route
        if (Option.isSome(fallback)) {
          // Java: a topic not yet created gets min(defaultTopicQueueNums, the default topic's) queues per broker.
          return publishQueues(topic, {
            ...fallback.value,
            queueDatas: fallback.value.queueDatas.map((q) => ({
              ...q,
              readQueueNums: Math.min(defaultTopicQueueNums, q.readQueueNums),
              writeQueueNums: Math.min(defaultTopicQueueNums, q.writeQueueNums)
            }))
          })
        }
        return yield* new NoRouteError({ topic, nameServers: yield* nameServers.get })
      })

    /**
     * The header of a send to one queue (SEND_MESSAGE_V2 or SEND_BATCH_MESSAGE, Java's `sendSmartMsg`). Its fields
     * are all valid by construction, so a failure to encode them is a defect: it throws, and the Effect running the
     * build dies.
     */
    const headerFor = (
      topic: string,
      queue: MessageQueue,
      sysFlag: number,
      flag: number,
      properties: string,
      batch: boolean
    ) =>
      Either.getOrThrow(encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: group,
        topic,
        defaultTopic: createTopicKey,
        defaultTopicQueueNums,
        queueId: queue.queueId,
        sysFlag,
        bornTimestamp: clock.unsafeCurrentTimeMillis(),
        flag,
        properties,
        reconsumeTimes: 0,
        unitMode: false,
        batch,
        brokerName: queue.brokerName
      }))

    /**
     * The request for one message to one queue, its body compressed with zlib over the threshold; a half message of a
     * transaction carries TRAN_MSG, PGROUP and the prepared sys flag.
     */
    const requestFor =
      (message: Message, uniqueId: string, oneway: boolean, prepared = false) =>
      (queue: MessageQueue): RemotingCommand => {
        let body = message.body
        let sysFlag = prepared ? MessageSysFlag.TRANSACTION_PREPARED_TYPE : 0
        if (body.length > compressOver) {
          body = compressBody("ZLIB", body, 5)
          sysFlag |= MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZLIB_TYPE
        }
        const properties = propertiesToString({
          ...messageProperties(message),
          [MessageConst.UNIQ_KEY]: uniqueId,
          ...(prepared ? { [MessageConst.TRAN_MSG]: "true", [MessageConst.PGROUP]: group } : {})
        })
        return request(
          RequestCode.SEND_MESSAGE_V2,
          headerFor(message.topic, queue, sysFlag, message.flag ?? 0, properties, false),
          { body, oneway }
        )
      }

    const brokerOf = (queue: MessageQueue) =>
      Effect.flatMap(routes.masterAddress(queue.brokerName), (address) =>
        Option.isSome(address)
          ? Effect.succeed(address.value)
          : Effect.flatMap(
            routes.refresh(queue.topic),
            () =>
              Effect.flatMap(routes.masterAddress(queue.brokerName), (again) =>
                Option.isSome(again)
                  ? Effect.succeed(again.value)
                  : Effect.fail(new NoRouteError({ topic: queue.topic, nameServers: [] })))
          ))

    const resultOf = (
      answer: RemotingCommand,
      address: string,
      queue: MessageQueue,
      uniqueId: string
    ): Either.Either<SendResult, BrokerResponseError> => {
      const status = sendStatusOf(answer.code)
      if (status === undefined) {
        return Either.left(
          new BrokerResponseError({
            address,
            requestCode: RequestCode.SEND_MESSAGE_V2,
            responseCode: answer.code,
            remark: answer.remark
          })
        )
      }
      return Either.right({
        sendStatus: status,
        msgId: uniqueId,
        offsetMsgId: answer.extFields?.msgId ?? "",
        messageQueue: { ...queue, queueId: Number(answer.extFields?.queueId ?? queue.queueId) },
        queueOffset: Number(answer.extFields?.queueOffset ?? -1),
        transactionId: answer.extFields?.transactionId
      })
    }

    /** One try on one queue: the broker's answer or the failure; its latency goes to the fault table. */
    const tryOnce = (
      queue: MessageQueue,
      build: (queue: MessageQueue) => RemotingCommand,
      msgId: string,
      timeout: Duration.Duration,
      connectTimeout: number
    ) =>
      Effect.gen(function*() {
        const address = yield* brokerOf(queue)
        const command = build(queue)
        const started = clock.unsafeCurrentTimeMillis()
        const answer = yield* client.invoke(address, command, timeout, { connectTimeout }).pipe(
          Effect.tapError(() =>
            Effect.sync(() => faults.update(queue.brokerName, 30_000, clock.unsafeCurrentTimeMillis()))
          )
        )
        faults.update(queue.brokerName, clock.unsafeCurrentTimeMillis() - started, clock.unsafeCurrentTimeMillis())
        return yield* resultOf(answer, address, queue, msgId)
      }).pipe((attempt) =>
        tracing
          ? Effect.withSpan(attempt, "Producer.send", {
            kind: "producer",
            captureStackTrace: false,
            attributes: {
              "rocketmq.topic": queue.topic,
              "rocketmq.broker": queue.brokerName,
              "rocketmq.queue": queue.queueId
            }
          })
          : attempt
      )

    const noPin = () => undefined

    const nextCounter = (topic: string) => {
      const n = counters.get(topic) ?? 0
      counters.set(topic, n + 1)
      return n
    }

    /** The queues a send can pick from for a route (worked out once per route: a refresh replaces the route). */
    const publishQueuesFor = (topic: string, route: TopicRouteData) => {
      let queues = publishQueuesOf.get(route)
      if (queues === undefined) {
        queues = publishQueues(topic, route)
        publishQueuesOf.set(route, queues)
      }
      return queues
    }

    const faultFilter = options.sendLatencyFaultEnable === true
      ? (broker: string) => faults.isAvailable(broker, clock.unsafeCurrentTimeMillis())
      : undefined

    const timeoutMillisOf = (timeout: Duration.DurationInput | undefined) =>
      Duration.toMillis(timeout === undefined ? sendTimeout : Duration.decode(timeout))

    /**
     * The time a try may spend waiting for a connection: a share of what is left when more tries may follow, so that a
     * broker that drops connection attempts leaves time for the next (Java 5.3's `sendMsgMaxTimeoutPerRequest`, for
     * the connect only: an answer is still waited for until the send's deadline, as nothing was sent yet).
     */
    const connectBudget = (left: number, triesLeft: number) => Math.max(1, Math.floor(left / triesLeft))

    /**
     * Sends on a queue of the topic, trying again on another broker while that can help and time is left (Java:
     * `sendDefaultImpl`); a pinned queue (chosen, or by a selector) is tried once.
     *
     * The usual send is one request with nothing around it: the route and the broker's address are cached, no
     * tracer is installed. It is written without `Effect.gen` (a quarter of the producer's time went to the
     * generators). Anything else, and every retry, goes the general way.
     */
    const sendWithRetries = (
      topic: string,
      pin: (queues: ReadonlyArray<MessageQueue>) => MessageQueue | undefined,
      build: (queue: MessageQueue) => RemotingCommand,
      msgId: string,
      timeout: Duration.DurationInput | undefined
    ): Effect.Effect<SendResult, SendError> =>
      Effect.suspend(() => {
        const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillisOf(timeout)
        const route = tracing ? undefined : routes.cachedRoute(topic)
        if (route === undefined) return sendGeneral(topic, pin, build, msgId, deadline)
        topics.add(topic)
        const queues = publishQueuesFor(topic, route)
        const pinned = pin(queues)
        const queue = pinned ?? selectQueue(queues, nextCounter(topic), undefined, faultFilter)
        const address = queue === undefined ? undefined : routes.cachedMasterAddress(queue.brokerName)
        if (queue === undefined || address === undefined) return sendGeneral(topic, pin, build, msgId, deadline)
        const started = clock.unsafeCurrentTimeMillis()
        if (started >= deadline) return sendGeneral(topic, pin, build, msgId, deadline)
        const left = deadline - started
        const connectTimeout = pinned === undefined ? connectBudget(left, 1 + retries) : left
        return Effect.matchEffect(client.invoke(address, build(queue), left, { connectTimeout }), {
          onFailure: (error) => {
            faults.update(queue.brokerName, 30_000, clock.unsafeCurrentTimeMillis())
            return pinned !== undefined || !isRetryable(error)
              ? Effect.fail(error)
              : retryAfter(topic, queues, queue, error, build, msgId, deadline)
          },
          onSuccess: (answer) => {
            const now = clock.unsafeCurrentTimeMillis()
            faults.update(queue.brokerName, now - started, now)
            const result = resultOf(answer, address, queue, msgId)
            if (Either.isRight(result)) return Effect.succeed(result.right)
            return isRetryable(result.left)
              ? retryAfter(topic, queues, queue, result.left, build, msgId, deadline)
              : Effect.fail(result.left)
          }
        })
      })

    /** After a failed first try on `queue`: the warning, then the remaining tries (on other brokers). */
    const retryAfter = (
      topic: string,
      queues: ReadonlyArray<MessageQueue>,
      queue: MessageQueue,
      error: SendError,
      build: (queue: MessageQueue) => RemotingCommand,
      msgId: string,
      deadline: number
    ) =>
      retries === 0
        ? Effect.fail(error)
        : Effect.zipRight(
          warnRetry(topic, queue, error),
          tries(topic, queues, undefined, build, msgId, deadline, 1, queue.brokerName, error)
        )

    const warnRetry = (topic: string, queue: MessageQueue, error: SendError) =>
      Effect.logWarning("send failed; trying again").pipe(
        Effect.annotateLogs({ group, topic, broker: queue.brokerName, queue: queue.queueId, error: error.message })
      )

    /** The general way: the route found or fetched, then the tries. */
    const sendGeneral = (
      topic: string,
      pin: (queues: ReadonlyArray<MessageQueue>) => MessageQueue | undefined,
      build: (queue: MessageQueue) => RemotingCommand,
      msgId: string,
      deadline: number
    ) =>
      Effect.flatMap(queuesOf(topic), (queues) => {
        const pinned = pin(queues)
        return tries(topic, queues, pinned, build, msgId, deadline, 0, undefined, undefined)
      })

    /** Tries from `attempt` on: one more than the retries, or once on a pinned queue, while time is left. */
    const tries = (
      topic: string,
      queues: ReadonlyArray<MessageQueue>,
      pinned: MessageQueue | undefined,
      build: (queue: MessageQueue) => RemotingCommand,
      msgId: string,
      deadline: number,
      first: number,
      brokerBefore: string | undefined,
      errorBefore: SendError | undefined
    ): Effect.Effect<SendResult, SendError> =>
      Effect.gen(function*() {
        const count = pinned === undefined ? 1 + retries : 1
        let lastBroker = brokerBefore
        let lastError = errorBefore
        for (let attempt = first; attempt < count; attempt++) {
          const left = deadline - clock.unsafeCurrentTimeMillis()
          if (left <= 0) break
          const queue = pinned ?? selectQueue(queues, nextCounter(topic), lastBroker, faultFilter)
          if (queue === undefined) return yield* new NoRouteError({ topic, nameServers: yield* nameServers.get })
          const connectTimeout = connectBudget(left, count - attempt)
          const result = yield* Effect.either(tryOnce(queue, build, msgId, Duration.millis(left), connectTimeout))
          if (Either.isRight(result)) return result.right
          lastError = result.left
          lastBroker = queue.brokerName
          if (!isRetryable(result.left)) break
          if (attempt + 1 < count) yield* warnRetry(topic, queue, result.left)
        }
        return yield* Effect.fail(
          lastError ??
            new BrokerResponseError({
              address: "",
              requestCode: RequestCode.SEND_MESSAGE_V2,
              responseCode: ResponseCode.SYSTEM_ERROR,
              remark: "the send timed out before it could be tried"
            })
        )
      })

    const send: ProducerService["send"] = (given, sendOptions?: SendOptions) =>
      Effect.suspend(() => {
        const checked = checkMessage(given, maxMessageSize)
        if (Either.isLeft(checked)) return Effect.fail(checked.left)
        const message = toWire(given)
        const uniqueId = ids.next(clock.unsafeCurrentTimeMillis())
        return Effect.map(
          sendWithRetries(
            message.topic,
            sendOptions?.queue === undefined && sendOptions?.selector === undefined
              ? noPin
              : (queues) => queueToWire(sendOptions.queue) ?? sendOptions.selector?.(queues, message),
            requestFor(message, uniqueId, false),
            uniqueId,
            sendOptions?.timeout
          ),
          fromWire
        )
      })

    const sendBatch: ProducerService["sendBatch"] = (given, sendOptions) =>
      Effect.gen(function*() {
        yield* checkBatch(given, maxMessageSize)
        const messages = given.map(toWire)
        const uniqueIds = messages.map(() => ids.next(clock.unsafeCurrentTimeMillis()))
        const body = yield* Effect.orDie(encodeBatch(messages.map((m, i) => ({
          flag: m.flag ?? 0,
          body: m.body,
          properties: { ...messageProperties(m), [MessageConst.UNIQ_KEY]: uniqueIds[i]! }
        }))))
        if (body.length > maxMessageSize) {
          return yield* new MessageValidationError({
            reason: `the message body size over max value, MAX: ${maxMessageSize}`
          })
        }
        const topic = messages[0]!.topic
        const build = (queue: MessageQueue) =>
          request(
            RequestCode.SEND_BATCH_MESSAGE,
            headerFor(topic, queue, 0, 0, propertiesToString({ [MessageConst.WAIT]: "true" }), true),
            { body }
          )
        return yield* sendWithRetries(
          topic,
          (queues) => queueToWire(sendOptions?.queue) ?? sendOptions?.selector?.(queues, messages[0]!),
          build,
          uniqueIds.join(","),
          sendOptions?.timeout
        ).pipe(Effect.map(fromWire))
      })

    /** END_TRANSACTION, oneway, to the broker holding the half message (Java: `endTransactionOneway`). */
    const endTransaction = (
      address: string,
      fields: {
        readonly tranStateTableOffset: number
        readonly commitLogOffset: number
        readonly msgId: string
        readonly transactionId: string | undefined
        readonly state: LocalTransactionState
        readonly fromTransactionCheck: boolean
      }
    ) =>
      Effect.flatMap(
        Effect.orDie(encodeHeader(EndTransactionRequestHeader, {
          producerGroup: group,
          tranStateTableOffset: fields.tranStateTableOffset,
          commitLogOffset: fields.commitLogOffset,
          commitOrRollback: fields.state === "COMMIT_MESSAGE"
            ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
            : fields.state === "ROLLBACK_MESSAGE"
            ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
            : MessageSysFlag.TRANSACTION_NOT_TYPE,
          fromTransactionCheck: fields.fromTransactionCheck,
          msgId: fields.msgId,
          transactionId: fields.transactionId
        })),
        (extFields) => client.invokeOneway(address, request(RequestCode.END_TRANSACTION, extFields, { oneway: true }))
      )

    const sendInTransaction: ProducerService["sendInTransaction"] = (given, executeLocal) =>
      Effect.gen(function*() {
        yield* checkMessage(given, maxMessageSize)
        const message = toWire(given)
        const uniqueId = ids.next(clock.unsafeCurrentTimeMillis())
        const sent = yield* sendWithRetries(
          message.topic,
          () => undefined,
          requestFor(message, uniqueId, false, true),
          uniqueId,
          undefined
        )
        const state: LocalTransactionState = sent.sendStatus === "SEND_OK"
          ? yield* executeLocal(given, fromWire(sent)).pipe(
            Effect.catchAllCause((cause) =>
              Effect.as(
                Effect.logWarning("the local transaction failed; it is left to the check-back", cause),
                "UNKNOW" as const
              )
            )
          )
          : "ROLLBACK_MESSAGE"
        const address = yield* brokerOf(sent.messageQueue)
        const { commitLogOffset } = yield* Effect.orDie(decodeOffsetMessageId(sent.offsetMsgId))
        yield* endTransaction(address, {
          tranStateTableOffset: sent.queueOffset,
          commitLogOffset,
          msgId: sent.msgId,
          transactionId: sent.transactionId ?? sent.msgId,
          state,
          fromTransactionCheck: false
        }).pipe(
          Effect.catchAll((error) => Effect.logWarning("END_TRANSACTION failed; the broker will check back", error))
        )
        return fromWire({ ...sent, localTransactionState: state })
      })

    // The broker asks about transactions left unknown; the checker of this group answers (Java:
    // `ClientRemotingProcessor.checkTransactionState`).
    const checker = options.transactionChecker
    if (checker !== undefined) {
      const handlers = yield* RequestHandlers
      yield* handlers.register(RequestCode.CHECK_TRANSACTION_STATE, (command, context) =>
        Effect.gen(function*() {
          const header = yield* decodeHeader(CheckTransactionStateRequestHeader, command.extFields)
          const [message] = yield* decodeMessages(command.body ?? new Uint8Array(0))
          if (message === undefined || message.properties[MessageConst.PGROUP] !== group) return undefined
          const state = yield* checker(message).pipe(Effect.catchAllCause(() => Effect.succeed("UNKNOW" as const)))
          yield* endTransaction(context.address, {
            tranStateTableOffset: header.tranStateTableOffset,
            commitLogOffset: header.commitLogOffset,
            msgId: header.msgId ?? message.msgId,
            transactionId: header.transactionId,
            state,
            fromTransactionCheck: true
          })
          return undefined
        }).pipe(
          Effect.catchAll((error) =>
            Effect.as(Effect.logWarning("cannot answer a transaction check", error), undefined)
          ),
          Effect.annotateLogs({ group, address: context.address })
        ))
    }

    const sendOneway: ProducerService["sendOneway"] = (given, sendOptions) =>
      Effect.gen(function*() {
        yield* checkMessage(given, maxMessageSize)
        const message = toWire(given)
        const queues = yield* queuesOf(message.topic)
        const queue = queueToWire(sendOptions?.queue) ?? sendOptions?.selector?.(queues, message) ??
          selectQueue(queues, nextCounter(message.topic))
        if (queue === undefined) {
          return yield* new NoRouteError({ topic: message.topic, nameServers: yield* nameServers.get })
        }
        const address = yield* brokerOf(queue)
        const command = requestFor(message, ids.next(clock.unsafeCurrentTimeMillis()), true)(queue)
        yield* client.invokeOneway(address, command)
      })

    return { group, send, sendBatch, sendInTransaction, sendOneway }
  })

/**
 * A producer as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ProducerOptions) => Layer.scoped(Producer, make(options))
