import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Deferred from "effect/Deferred"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { MessageExt } from "../protocol/MessageDecoder.js"

/**
 * A request sent, whose reply did not come within its timeout (Java: `RequestTimeoutException`,
 * REQUEST_TIMEOUT_EXCEPTION).
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestTimeoutError extends Data.TaggedError("RequestTimeoutError")<{
  readonly topic: string
  readonly correlationId: string
  readonly timeoutMillis: number
}> {
  override get message(): string {
    return `send request message to <${this.topic}> OK, but wait reply message timeout, ${this.timeoutMillis} ms.`
  }
}

/**
 * A request still waiting for its reply when its producer (or the whole client) closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestClosedError extends Data.TaggedError("RequestClosedError")<{
  readonly correlationId: string
  readonly closed: "producer" | "client"
}> {
  override get message(): string {
    return `the ${this.closed} closed while the request ${this.correlationId} waited for its reply`
  }
}

/**
 * The requests of a client instance waiting for their replies, by correlation id (Java: `RequestFutureHolder`'s
 * `requestFutureTable`), which PUSH_REPLY_MESSAGE_TO_CLIENT completes.
 *
 * @since 0.1.0
 * @category services
 */
export interface RequestFuturesService {
  /**
   * Waits for the reply with this correlation id for as long as the scope lives: the `Deferred` completes with the
   * reply, or fails when the request's owner (a producer group) or the client closes. Closing the scope removes it.
   */
  readonly register: (
    correlationId: string,
    owner: string
  ) => Effect.Effect<Deferred.Deferred<MessageExt, RequestClosedError>, never, Scope.Scope>
  /** Hands a reply to the request waiting for it (Java: `processReplyMessage`); false when none waits. */
  readonly complete: (reply: MessageExt) => Effect.Effect<boolean>
  /** Ends every request of an owner waiting now with a `RequestClosedError`. */
  readonly closeOwner: (owner: string) => Effect.Effect<void>
  /** How many requests wait now. */
  readonly pending: Effect.Effect<number>
}

/**
 * The pending-request table service.
 *
 * @since 0.1.0
 * @category services
 */
export class RequestFutures extends Context.Tag("effect-rocketmq/RequestFutures")<
  RequestFutures,
  RequestFuturesService
>() {}
