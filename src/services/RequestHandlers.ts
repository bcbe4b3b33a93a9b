import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { RemotingCommand } from "../protocol/RemotingCommand.js"

/**
 * Where a server-initiated request came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestContext {
  readonly address: string
}

/**
 * Answers one kind of request the broker sends the client (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE,
 * GET_CONSUMER_RUNNING_INFO, ...): the response to send back, or `undefined` for none. The transport sets the
 * response's opaque and flag. A handler that fails or dies is answered with SYSTEM_ERROR, as Java does.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestHandler = (
  request: RemotingCommand,
  context: RequestContext
) => Effect.Effect<RemotingCommand | undefined>

/**
 * The registry of handlers by request code (Java: `NettyRemotingClient.registerProcessor`). The layers that own a
 * kind of request register its handler for as long as their scope lives. A code with no handler is answered
 * REQUEST_CODE_NOT_SUPPORTED.
 *
 * @since 0.1.0
 * @category services
 */
export interface RequestHandlersService {
  readonly register: (code: number, handler: RequestHandler) => Effect.Effect<void, never, Scope.Scope>
  readonly lookup: (code: number) => RequestHandler | undefined
}

/**
 * The handler registry service.
 *
 * @since 0.1.0
 * @category services
 */
export class RequestHandlers extends Context.Tag("effect-rocketmq/RequestHandlers")<
  RequestHandlers,
  RequestHandlersService
>() {}
