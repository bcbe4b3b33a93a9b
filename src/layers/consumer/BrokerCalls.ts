import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import { type CommandHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { RemotingCommand } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { brokerNameOfQueue } from "../../protocol/StaticTopic.js"
import { BrokerResponseError } from "../../services/BrokerResponseError.js"
import { BrokerNotFoundError } from "../../services/PushConsumer.js"
import type { RemotingClientService } from "../../services/RemotingClient.js"
import type { RouteError, TopicRouteCacheService } from "../../services/TopicRouteCache.js"
import { countersBy } from "./ConsumerMetrics.js"

/**
 * What a consumer's broker calls stand on: the transport, the route cache and the API timeout.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface BrokerCallsDeps {
  readonly client: RemotingClientService
  readonly routes: TopicRouteCacheService
  readonly timeout: Duration.Duration
  /** Whether a tracer is installed (`tracerInstalled`): each call is a span then. */
  readonly tracing: boolean
}

/**
 * How a consumer reaches a broker (Java: `MQClientInstance.findBrokerAddressInSubscribe` and the request plumbing
 * of `MQClientAPIImpl`): the address of a queue's broker, a call counted and (with a tracer installed) traced as a
 * span named after what it does, a call whose answer must be SUCCESS (any other code the broker's typed error), and
 * a header encoded.
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeBrokerCalls = (deps: BrokerCallsDeps) => {
  const { client, routes, timeout, tracing } = deps
  /** Requests to brokers made by consumers, by what they do (tag `request`). */
  const consumerRequests = countersBy(
    "rocketmq_consumer_requests_total",
    "Requests consumers sent to brokers",
    "request"
  )

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
      // A static topic's logical queue (5.x) is read from the broker its route maps it to.
      const ids = table.get(brokerNameOfQueue(routes.cachedRoute(queue.topic), queue))
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

  /**
   * A call, counted, and a span when a tracer is installed (with none, Effect's built-in tracer would make span
   * objects that nothing records: a pull's cost, as on the consume path).
   */
  const call = (name: string, address: string, command: RemotingCommand, callTimeout: Duration.Duration = timeout) => {
    const counted = Effect.tap(
      client.invoke(address, command, callTimeout),
      () => Metric.increment(consumerRequests(name))
    )
    return tracing
      ? Effect.withSpan(counted, `Consumer.${name}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: { "rocketmq.broker.address": address }
      })
      : counted
  }

  const brokerError = (address: string, requestCode: number, answer: RemotingCommand) =>
    new BrokerResponseError({ address, requestCode, responseCode: answer.code, remark: answer.remark })

  /** A call whose answer must be SUCCESS; any other code is the broker's typed error. */
  const callOk = (name: string, address: string, command: RemotingCommand) =>
    Effect.flatMap(call(name, address, command), (answer) =>
      answer.code === ResponseCode.SUCCESS
        ? Effect.succeed(answer)
        : Effect.fail(brokerError(address, command.code, answer)))

  const headerOrDie = <A>(schema: CommandHeader<A>, value: A) => Effect.orDie(encodeHeader(schema, value))

  /** A oneway request (no answer awaited). */
  const oneway = (address: string, command: RemotingCommand) => client.invokeOneway(address, command)

  return { findBrokerAddress, masterOf, call, callOk, oneway, brokerError, headerOrDie }
}

/**
 * A consumer's way to its brokers.
 *
 * @since 0.1.0
 * @category consumer
 */
export type BrokerCalls = ReturnType<typeof makeBrokerCalls>
