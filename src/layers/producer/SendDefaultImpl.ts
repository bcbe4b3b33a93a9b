import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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
import { type SendTracer, type TracedMessage, tracePub } from "./SendTrace.js"
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
  /** The producer's message trace, when on. */
  readonly trace?: SendTracer | undefined
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
 * `sendDefaultImpl`); a pinned queue (chosen, or by a selector) is tried once. Every send goes this one way, traced
 * or not (with a tracer, each try is a span); the route and the broker's address are read from the cache when there,
 * fetched when not. It is written without `Effect.gen`: a quarter of the producer's time went to the generators.
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
  timeout: Duration.DurationInput | undefined,
  traced?: TracedMessage | undefined
): Effect.Effect<SendResult, SendError> =>
  Effect.suspend(() => {
    const deadline = context.clock.unsafeCurrentTimeMillis() + timeoutMillisOf(context, timeout)
    const cached = context.publishInfo.cachedQueuesOf(topic)
    const send = (queues: ReadonlyArray<MessageQueue>) =>
      tries(context, { topic, queues, pinned: pin(queues), build, msgId, deadline, traced }, 0, undefined, undefined)
    return cached !== undefined ? send(cached) : Effect.flatMap(context.publishInfo.queuesOf(topic), send)
  })

/** One send's fixed parts: its topic and queues, the queue it is pinned to if any, its request and its deadline. */
interface Send {
  readonly topic: string
  readonly queues: ReadonlyArray<MessageQueue>
  readonly pinned: MessageQueue | undefined
  readonly build: BuildRequest
  readonly msgId: string
  readonly deadline: number
  /** What the send's Pub trace record says of the message, when traced. */
  readonly traced: TracedMessage | undefined
}

/** The error of a send that had no time left for any try. */
const timedOutUntried = () =>
  new BrokerResponseError({
    address: "",
    requestCode: RequestCode.SEND_MESSAGE_V2,
    responseCode: ResponseCode.SYSTEM_ERROR,
    remark: "the send timed out before it could be tried"
  })

/**
 * Try `attempt` and the ones after it: one more than the retries, or once on a pinned queue, while time is left;
 * each retry goes to another broker than the last when it can (Java: `selectOneMessageQueue(tpInfo, lastBrokerName)`).
 */
const tries = (
  context: SendContext,
  send: Send,
  attempt: number,
  lastBroker: string | undefined,
  lastError: SendError | undefined
): Effect.Effect<SendResult, SendError> => {
  const { clock, faults, publishInfo, settings } = context
  const count = send.pinned === undefined ? 1 + settings.retryTimesWhenSendFailed : 1
  const left = send.deadline - clock.unsafeCurrentTimeMillis()
  if (attempt >= count || left <= 0) return Effect.fail(lastError ?? timedOutUntried())
  const queue = send.pinned ??
    faults.selectOneMessageQueue(send.queues, publishInfo.nextCounter(send.topic), lastBroker)
  if (queue === undefined) {
    return Effect.flatMap(
      context.nameServers.get,
      (nameServers) => Effect.fail(new NoRouteError({ topic: send.topic, nameServers }))
    )
  }
  const connectTimeout = connectBudget(left, count - attempt)
  return Effect.catchAll(
    tryOnce(context, send, queue, left, connectTimeout),
    (error) =>
      !isRetryable(error) || attempt + 1 >= count
        ? Effect.fail(error)
        : Effect.zipRight(
          warnRetry(context, send.topic, queue, error),
          tries(context, send, attempt + 1, queue.brokerName, error)
        )
  )
}

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

/** One try on one queue: the broker's answer or the failure; its latency goes to the fault table. */
const tryOnce = (
  context: SendContext,
  send: Send,
  queue: MessageQueue,
  timeoutMillis: number,
  connectTimeout: number
): Effect.Effect<SendResult, SendError> => {
  const { client, clock, faults, publishInfo } = context
  const onAddress = (address: string): Effect.Effect<SendResult, SendError> => {
    const started = clock.unsafeCurrentTimeMillis()
    // A static topic's logical queue goes to the broker serving it, named in the header (Java 5.x: `bname`).
    const request = send.build(queue, publishInfo.brokerNameOf(queue))
    return Effect.matchEffect(client.invoke(address, request, timeoutMillis, { connectTimeout }), {
      onFailure: (error) => {
        faults.failed(queue.brokerName)
        return Effect.fail(error)
      },
      onSuccess: (answer) => {
        faults.answered(queue.brokerName, started)
        const result = processSendResponse(answer, address, queue, send.msgId)
        if (Either.isLeft(result)) return Effect.fail(result.left)
        const traced = send.traced === undefined
          ? undefined
          : tracePub(context.trace!, send.traced, { address, started, request, answer, result: result.right })
        return traced === undefined ? Effect.succeed(result.right) : Effect.as(traced, result.right)
      }
    })
  }
  const cached = publishInfo.cachedBrokerOf(queue)
  const attempt = cached !== undefined ? onAddress(cached) : Effect.flatMap(publishInfo.brokerOf(queue), onAddress)
  return context.tracing
    ? Effect.withSpan(attempt, "Producer.send", {
      kind: "producer",
      captureStackTrace: false,
      attributes: {
        "rocketmq.topic": queue.topic,
        "rocketmq.broker": queue.brokerName,
        "rocketmq.queue": queue.queueId,
        // OpenTelemetry's messaging semantic conventions.
        "messaging.system": "rocketmq",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": queue.topic,
        "messaging.destination.partition.id": String(queue.queueId),
        "messaging.rocketmq.client_group": context.settings.group,
        ...messageIdAttributes(send.msgId)
      }
    })
    : attempt
}

/** A single message's id, or a batch's message count (a batch's ids travel joined by commas). */
const messageIdAttributes = (msgId: string): Record<string, string | number> =>
  msgId.includes(",")
    ? { "messaging.batch.message_count": msgId.split(",").length }
    : { "messaging.message.id": msgId }
