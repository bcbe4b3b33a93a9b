import { type Clock, Duration, Effect, Either } from "effect"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { BrokerResponseError } from "../../services/BrokerResponseError.js"
import type { NameServerAddressesService } from "../../services/NameServerAddresses.js"
import { NoRouteError, type SendError, type SendResult } from "../../services/Producer.js"
import type { RemotingClientService } from "../../services/RemotingClient.js"
import type { MQFaultStrategy } from "./MQFaultStrategy.js"
import type { ProducerSettings } from "./ProducerSettings.js"
import type { BuildRequest } from "./SendMessageRequest.js"
import { processSendResponse } from "./SendResponse.js"
import type { TopicPublishInfoTable } from "./TopicPublishInfoTable.js"

/**
 * What a producer's sends work with: its settings, the transport, its topic publish info and its fault strategy.
 *
 * @since 0.1.0
 * @category producer
 */
export interface SendContext {
  readonly settings: ProducerSettings
  readonly clock: Clock.Clock
  /** Whether a tracer is installed: each try is then a span. */
  readonly tracing: boolean
  readonly client: RemotingClientService
  readonly nameServers: NameServerAddressesService
  readonly publishInfo: TopicPublishInfoTable
  readonly faults: MQFaultStrategy
}

/**
 * The queue a send is pinned to (chosen by the caller, or by its selector from the topic's queues), or undefined for
 * the producer's own choice.
 *
 * @since 0.1.0
 * @category producer
 */
export type PinQueue = (queues: ReadonlyArray<MessageQueue>) => MessageQueue | undefined

/** Response codes Java retries a send on (Java: `DefaultMQProducer.retryResponseCodes`). */
const RETRY_RESPONSE_CODES: ReadonlySet<number> = new Set([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT
])

/** A refused signature: 4.x's plain ACL answers SYSTEM_ERROR naming an `AclException`, 5.x's NO_PERMISSION. */
const signatureRefused = (remark: string) =>
  remark.includes("AclException") || remark.includes("check signature failed")

/**
 * Whether sending again can help after this answer: Java's retry codes, except a refused signature, which no other
 * broker of the same cluster will accept either: 4.x's plain ACL answers SYSTEM_ERROR naming an `AclException`, 5.x's
 * authentication NO_PERMISSION "check signature failed." (seen from a real 5.5.0 broker in the real suite).
 *
 * @since 0.1.0
 * @category errors
 */
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

const timeoutMillisOf = (context: SendContext, timeout: Duration.DurationInput | undefined) =>
  Duration.toMillis(timeout === undefined ? context.settings.sendMsgTimeout : Duration.decode(timeout))

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
 *
 * @since 0.1.0
 * @category producer
 */
export const sendDefaultImpl = (
  context: SendContext,
  topic: string,
  pin: PinQueue,
  build: BuildRequest,
  msgId: string,
  timeout: Duration.DurationInput | undefined
): Effect.Effect<SendResult, SendError> =>
  Effect.suspend(() => {
    const { client, clock, faults, publishInfo } = context
    const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillisOf(context, timeout)
    const queues = context.tracing ? undefined : publishInfo.cachedQueuesOf(topic)
    if (queues === undefined) return sendGeneral(context, topic, pin, build, msgId, deadline)
    const pinned = pin(queues)
    const queue = pinned ?? faults.selectOneMessageQueue(queues, publishInfo.nextCounter(topic), undefined)
    const address = queue === undefined ? undefined : publishInfo.cachedBrokerOf(queue)
    if (queue === undefined || address === undefined) return sendGeneral(context, topic, pin, build, msgId, deadline)
    const started = clock.unsafeCurrentTimeMillis()
    if (started >= deadline) return sendGeneral(context, topic, pin, build, msgId, deadline)
    const left = deadline - started
    const connectTimeout = pinned === undefined
      ? connectBudget(left, 1 + context.settings.retryTimesWhenSendFailed)
      : left
    return Effect.matchEffect(client.invoke(address, build(queue), left, { connectTimeout }), {
      onFailure: (error) => {
        faults.failed(queue.brokerName)
        return pinned !== undefined || !isRetryable(error)
          ? Effect.fail(error)
          : retryAfter(context, topic, queues, queue, error, build, msgId, deadline)
      },
      onSuccess: (answer) => {
        faults.answered(queue.brokerName, started)
        const result = processSendResponse(answer, address, queue, msgId)
        if (Either.isRight(result)) return Effect.succeed(result.right)
        return isRetryable(result.left)
          ? retryAfter(context, topic, queues, queue, result.left, build, msgId, deadline)
          : Effect.fail(result.left)
      }
    })
  })

/** After a failed first try on `queue`: the warning, then the remaining tries (on other brokers). */
const retryAfter = (
  context: SendContext,
  topic: string,
  queues: ReadonlyArray<MessageQueue>,
  queue: MessageQueue,
  error: SendError,
  build: BuildRequest,
  msgId: string,
  deadline: number
) =>
  context.settings.retryTimesWhenSendFailed === 0
    ? Effect.fail(error)
    : Effect.zipRight(
      warnRetry(context, topic, queue, error),
      tries(context, topic, queues, undefined, build, msgId, deadline, 1, queue.brokerName, error)
    )

const warnRetry = (context: SendContext, topic: string, queue: MessageQueue, error: SendError) =>
  Effect.logWarning("send failed; trying again").pipe(
    Effect.annotateLogs({
      group: context.settings.group,
      topic,
      broker: queue.brokerName,
      queue: queue.queueId,
      error: error.message
    })
  )

/** The general way: the route found or fetched, then the tries. */
const sendGeneral = (
  context: SendContext,
  topic: string,
  pin: PinQueue,
  build: BuildRequest,
  msgId: string,
  deadline: number
) =>
  Effect.flatMap(context.publishInfo.queuesOf(topic), (queues) => {
    const pinned = pin(queues)
    return tries(context, topic, queues, pinned, build, msgId, deadline, 0, undefined, undefined)
  })

/** Tries from `attempt` on: one more than the retries, or once on a pinned queue, while time is left. */
const tries = (
  context: SendContext,
  topic: string,
  queues: ReadonlyArray<MessageQueue>,
  pinned: MessageQueue | undefined,
  build: BuildRequest,
  msgId: string,
  deadline: number,
  first: number,
  brokerBefore: string | undefined,
  errorBefore: SendError | undefined
): Effect.Effect<SendResult, SendError> =>
  Effect.gen(function*() {
    const { clock, faults, publishInfo } = context
    const count = pinned === undefined ? 1 + context.settings.retryTimesWhenSendFailed : 1
    let lastBroker = brokerBefore
    let lastError = errorBefore
    for (let attempt = first; attempt < count; attempt++) {
      const left = deadline - clock.unsafeCurrentTimeMillis()
      if (left <= 0) break
      const queue = pinned ?? faults.selectOneMessageQueue(queues, publishInfo.nextCounter(topic), lastBroker)
      if (queue === undefined) return yield* new NoRouteError({ topic, nameServers: yield* context.nameServers.get })
      const connectTimeout = connectBudget(left, count - attempt)
      const result = yield* Effect.either(tryOnce(context, queue, build, msgId, Duration.millis(left), connectTimeout))
      if (Either.isRight(result)) return result.right
      lastError = result.left
      lastBroker = queue.brokerName
      if (!isRetryable(result.left)) break
      if (attempt + 1 < count) yield* warnRetry(context, topic, queue, result.left)
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

/** One try on one queue: the broker's answer or the failure; its latency goes to the fault table. */
const tryOnce = (
  context: SendContext,
  queue: MessageQueue,
  build: BuildRequest,
  msgId: string,
  timeout: Duration.Duration,
  connectTimeout: number
) =>
  Effect.gen(function*() {
    const { clock, faults } = context
    const address = yield* context.publishInfo.brokerOf(queue)
    const command = build(queue)
    const started = clock.unsafeCurrentTimeMillis()
    const answer = yield* context.client.invoke(address, command, timeout, { connectTimeout }).pipe(
      Effect.tapError(() => Effect.sync(() => faults.failed(queue.brokerName)))
    )
    faults.answered(queue.brokerName, started)
    return yield* processSendResponse(answer, address, queue, msgId)
  }).pipe((attempt) =>
    context.tracing
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
