import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import type * as Scope from "effect/Scope"
import { ipToBytes } from "../protocol/HostAddress.js"
import { UniqueIdGenerator } from "../protocol/MessageId.js"
import { RMQ_SYS_TRACE_TOPIC } from "../protocol/TraceData.js"
import { ClientInstance, type DuplicateGroupError } from "../services/ClientInstance.js"
import { checkBatch, checkMessage, type Message } from "../services/Message.js"
import { NameServerAddresses } from "../services/NameServerAddresses.js"
import { withoutNamespace } from "../services/Namespace.js"
import {
  NoRouteError,
  Producer,
  type ProducerService,
  type SendError,
  type SendOptions,
  type SendResult,
  type TypedSendOptions
} from "../services/Producer.js"
import { RemotingClient } from "../services/RemotingClient.js"
import { RequestFutures } from "../services/RequestFutures.js"
import { RequestHandlers } from "../services/RequestHandlers.js"
import { encode, isTopic, type Topic } from "../services/Topic.js"
import { selectQueue } from "../services/TopicPublishInfo.js"
import { TopicRouteCache } from "../services/TopicRouteCache.js"
import { MQFaultStrategy } from "./producer/MQFaultStrategy.js"
import { messageToWire, queueToWire, resultFromWire } from "./producer/ProducerNamespace.js"
import { type ProducerOptions, resolveSettings } from "./producer/ProducerSettings.js"
import { makeRequest } from "./producer/Request.js"
import { type PinQueue, type SendContext, sendDefaultImpl } from "./producer/SendDefaultImpl.js"
import { batchBody, batchRequest, messageRequest } from "./producer/SendMessageRequest.js"
import { type SendTracer, tracedMessage } from "./producer/SendTrace.js"
import { makeTopicPublishInfoTable } from "./producer/TopicPublishInfoTable.js"
import { makeSendInTransaction, registerTransactionChecker } from "./producer/Transactions.js"
import { dispatcherFor } from "./trace/AsyncTraceDispatcher.js"
import { tracerInstalled } from "./Tracing.js"

export {
  /**
   * Whether sending again can help after this answer (Java's retry codes, except a refused signature).
   *
   * @since 0.1.0
   * @category errors
   */
  isRetryable
} from "./producer/SendDefaultImpl.js"

export type {
  /**
   * Settings of a producer, with Java's defaults (Java: `DefaultMQProducer`).
   *
   * @since 0.1.0
   * @category models
   */
  ProducerOptions
} from "./producer/ProducerSettings.js"

const noPin: PinQueue = () => undefined

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
  | Scope.Scope
  | ClientInstance
  | TopicRouteCache
  | RemotingClient
  | NameServerAddresses
  | RequestHandlers
  | RequestFutures
> =>
  Effect.gen(function*() {
    const instance = yield* ClientInstance
    const client = yield* RemotingClient
    const nameServers = yield* NameServerAddresses
    const clock = yield* Effect.clock
    const settings = resolveSettings(options, instance.config.namespace)
    const { group, maxMessageSize, namespace } = settings
    const publishInfo = makeTopicPublishInfoTable(yield* TopicRouteCache, nameServers, settings)
    // Message trace (Java: `enableMsgTrace`): the client's trace dispatcher, or one of the producer's own.
    const trace: SendTracer | undefined = options.enableMsgTrace === true
      ? {
        dispatcher: yield* dispatcherFor({ group: options.group, type: "PRODUCE" }, make),
        traceTopic: options.customizedTraceTopic || RMQ_SYS_TRACE_TOPIC,
        group: withoutNamespace(group),
        clock
      }
      : undefined
    const context: SendContext = {
      settings,
      clock,
      tracing: yield* tracerInstalled,
      client,
      nameServers,
      publishInfo,
      faults: new MQFaultStrategy(settings.sendLatencyFaultEnable, clock),
      trace
    }
    const ids = new UniqueIdGenerator({
      ip: ipToBytes(instance.config.clientIP) ?? new Uint8Array(4),
      pid: process.pid,
      salt: yield* Random.nextIntBetween(0, 2 ** 31 - 1)
    })
    const nextMsgId = () => ids.next(clock.unsafeCurrentTimeMillis())

    yield* instance.registerProducer({ groupName: group, topics: publishInfo.topics })
    // Runs before the registration's release: the requests still waiting for their replies end first.
    const futures = yield* RequestFutures
    yield* Effect.addFinalizer(() => futures.closeOwner(group))

    const sendMessage = (given: Message, sendOptions?: SendOptions): Effect.Effect<SendResult, SendError> =>
      Effect.suspend(() => {
        const checked = checkMessage(given, maxMessageSize)
        if (Either.isLeft(checked)) return Effect.fail(checked.left)
        const message = messageToWire(namespace, given)
        const uniqueId = nextMsgId()
        return Effect.map(
          sendDefaultImpl(
            context,
            message.topic,
            sendOptions?.queue === undefined && sendOptions?.selector === undefined
              ? noPin
              : (queues) => queueToWire(namespace, sendOptions.queue) ?? sendOptions.selector?.(queues, message),
            messageRequest(settings, clock, message, uniqueId, false),
            uniqueId,
            sendOptions?.timeout,
            tracedMessage(trace, given, message.topic)
          ),
          resultFromWire
        )
      })

    // A typed send encodes its value into a message, then sends it as any other.
    const send = ((
      first: Message | Topic<unknown, unknown, unknown, unknown>,
      second?: unknown,
      third?: TypedSendOptions<unknown, unknown, unknown>
    ) =>
      isTopic(first)
        ? Effect.flatMap(encode(first, second, third), (message) => sendMessage(message, third))
        : sendMessage(first, second as SendOptions | undefined)) as ProducerService["send"]

    const sendBatch: ProducerService["sendBatch"] = (given, sendOptions) =>
      Effect.gen(function*() {
        yield* checkBatch(given, maxMessageSize)
        const messages = given.map((message) => messageToWire(namespace, message))
        const uniqueIds = messages.map(() => nextMsgId())
        const body = yield* batchBody(messages, uniqueIds, maxMessageSize)
        const topic = messages[0]!.topic
        return yield* sendDefaultImpl(
          context,
          topic,
          (queues) => queueToWire(namespace, sendOptions?.queue) ?? sendOptions?.selector?.(queues, messages[0]!),
          batchRequest(settings, clock, topic, body),
          uniqueIds.join(","),
          sendOptions?.timeout,
          tracedMessage(trace, undefined, topic)
        ).pipe(Effect.map(resultFromWire))
      })

    // The broker asks about transactions left unknown; the checker of this group answers.
    if (options.transactionChecker !== undefined) {
      yield* registerTransactionChecker(yield* RequestHandlers, client, group, options.transactionChecker, trace)
    }

    const sendOneway: ProducerService["sendOneway"] = (given, sendOptions) =>
      Effect.gen(function*() {
        yield* checkMessage(given, maxMessageSize)
        const message = messageToWire(namespace, given)
        const queues = yield* publishInfo.queuesOf(message.topic)
        const queue = queueToWire(namespace, sendOptions?.queue) ?? sendOptions?.selector?.(queues, message) ??
          selectQueue(queues, publishInfo.nextCounter(message.topic))
        if (queue === undefined) {
          return yield* new NoRouteError({ topic: message.topic, nameServers: yield* nameServers.get })
        }
        const address = yield* publishInfo.brokerOf(queue)
        yield* client.invokeOneway(address, messageRequest(settings, clock, message, nextMsgId(), true)(queue))
      })

    const request = makeRequest({ group, namespace, maxMessageSize, clock, instance, publishInfo, futures, send })
    return {
      group,
      send,
      sendBatch,
      sendInTransaction: makeSendInTransaction(context, nextMsgId),
      sendOneway,
      request
    }
  })

/**
 * A producer as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ProducerOptions) => Layer.scoped(Producer, make(options))
