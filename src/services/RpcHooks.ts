import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RemotingCommand } from "../protocol/RemotingCommand.js"

/**
 * A hook around every request this client sends (Java: `RPCHook`): `beforeRequest` may change the request (add
 * fields, sign it); `afterResponse` sees the request as sent and its response.
 *
 * @since 0.1.0
 * @category models
 */
export interface RpcHook {
  readonly name: string
  readonly beforeRequest?: (address: string, request: RemotingCommand) => Effect.Effect<RemotingCommand>
  readonly afterResponse?: (address: string, request: RemotingCommand, response: RemotingCommand) => Effect.Effect<void>
}

/**
 * The hooks in force, run in order (Java: `NettyRemotingAbstract.rpcHooks`).
 *
 * @since 0.1.0
 * @category services
 */
export class RpcHooks extends Context.Tag("effect-rocketmq/RpcHooks")<RpcHooks, ReadonlyArray<RpcHook>>() {
  /** No hooks. */
  static readonly none: Layer.Layer<RpcHooks> = Layer.succeed(RpcHooks, [])
  /** These hooks, run in the order given. */
  static readonly layer = (hooks: ReadonlyArray<RpcHook>): Layer.Layer<RpcHooks> => Layer.succeed(RpcHooks, hooks)
}

/**
 * Runs every hook's `beforeRequest` in order.
 *
 * @since 0.1.0
 * @category combinators
 */
export const runBeforeRequest = (
  hooks: ReadonlyArray<RpcHook>,
  address: string,
  request: RemotingCommand
): Effect.Effect<RemotingCommand> =>
  Effect.reduce(
    hooks,
    request,
    (req, hook) => (hook.beforeRequest === undefined ? Effect.succeed(req) : hook.beforeRequest(address, req))
  )

/**
 * Runs every hook's `afterResponse` in order.
 *
 * @since 0.1.0
 * @category combinators
 */
export const runAfterResponse = (
  hooks: ReadonlyArray<RpcHook>,
  address: string,
  request: RemotingCommand,
  response: RemotingCommand
): Effect.Effect<void> =>
  Effect.forEach(
    hooks,
    (hook) => (hook.afterResponse === undefined ? Effect.void : hook.afterResponse(address, request, response)),
    { discard: true }
  )
