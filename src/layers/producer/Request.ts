import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { randomUUID } from "node:crypto"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { ClientInstanceService } from "../../services/ClientInstance.js"
import { checkMessage } from "../../services/Message.js"
import { wrapNamespace } from "../../services/Namespace.js"
import type { ProducerService } from "../../services/Producer.js"
import { type RequestFuturesService, RequestTimeoutError } from "../../services/RequestFutures.js"
import type { TopicPublishInfoTable } from "./TopicPublishInfoTable.js"

/**
 * What a producer's requests work with: its group, namespace and clock, its client instance (its id, heartbeats),
 * its publish info, the instance's pending-request table, and its own `send`.
 *
 * @since 0.1.0
 * @category producer
 */
export interface RequestContext {
  readonly group: string
  readonly namespace: string | undefined
  readonly maxMessageSize: number
  readonly clock: Clock.Clock
  readonly instance: ClientInstanceService
  readonly publishInfo: TopicPublishInfoTable
  readonly futures: RequestFuturesService
  readonly send: ProducerService["send"]
}

/**
 * A producer's `request` (Java: `DefaultMQProducerImpl.request`): a new correlation id (a random UUID, as Java's
 * `CorrelationIdUtil`), this client's id and the timeout put on the message (`prepareSendRequest`; a topic whose
 * route is not known yet has it fetched and a heartbeat sent, so that the broker knows this client when the reply
 * comes), the request registered in the instance's table before it is sent, then the reply awaited for what is left
 * of the timeout. The send fails the request with its own error; no reply in time is a `RequestTimeoutError`;
 * interrupting the caller removes the request from the table.
 *
 * @since 0.1.0
 * @category producer
 */
export const makeRequest = (context: RequestContext): ProducerService["request"] => (message, options) =>
  Effect.scoped(Effect.gen(function*() {
    const { clock, futures, group, instance, publishInfo } = context
    // A bad message is refused before anything goes on the wire (the send checks it again, as it checks every one).
    yield* checkMessage(message, context.maxMessageSize)
    const timeoutMillis = Duration.toMillis(options.timeout)
    const started = clock.unsafeCurrentTimeMillis()
    const correlationId = randomUUID()
    const topic = wrapNamespace(context.namespace, message.topic)
    if (publishInfo.cachedQueuesOf(topic) === undefined) {
      // Java ignores what this finds: the send below fails on its own when there is no route.
      yield* Effect.ignore(publishInfo.queuesOf(topic))
      yield* instance.sendHeartbeat
    }
    const reply = yield* futures.register(correlationId, group)
    yield* context.send({
      ...message,
      systemProperties: {
        ...message.systemProperties,
        [MessageConst.CORRELATION_ID]: correlationId,
        [MessageConst.REPLY_TO_CLIENT]: instance.clientId,
        [MessageConst.TTL]: String(timeoutMillis)
      }
    }, {
      timeout: Math.max(1, timeoutMillis - (clock.unsafeCurrentTimeMillis() - started)),
      queue: options.queue,
      selector: options.selector
    })
    return yield* Deferred.await(reply).pipe(
      Effect.timeoutFail({
        duration: Math.max(0, timeoutMillis - (clock.unsafeCurrentTimeMillis() - started)),
        onTimeout: () => new RequestTimeoutError({ topic: message.topic, correlationId, timeoutMillis })
      })
    )
  }))
