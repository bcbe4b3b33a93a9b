import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import {
  Flag,
  type FrameParts,
  isOneway,
  type RemotingCommand,
  response as responseTo
} from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import type { RemotingConnectionError } from "../../services/RemotingClient.js"
import type { RequestHandlersService } from "../../services/RequestHandlers.js"
import type { Connection } from "./Connection.js"

/**
 * What the transport's connections report, in the order it happened: a request a broker sent, a connection opened
 * or closed.
 *
 * @since 0.1.0
 * @category internal
 */
export type ConnectionEvent =
  | { readonly _tag: "Request"; readonly connection: Connection; readonly command: RemotingCommand }
  | { readonly _tag: "Connected"; readonly connection: Connection }
  | { readonly _tag: "Closed"; readonly connection: Connection; readonly error: RemotingConnectionError }

/**
 * Serves, in the current scope, the requests brokers send (Java: `NettyRemotingClient.processRequestCommand`): each
 * answered in a fiber of its own through its registered handler (unknown codes get REQUEST_CODE_NOT_SUPPORTED, a
 * handler that dies SYSTEM_ERROR, as Java answers); connections opened and closed are logged. Closing the scope
 * interrupts every handler fiber.
 *
 * @since 0.1.0
 * @category internal
 */
export const serveBrokerRequests = (options: {
  readonly events: Queue.Dequeue<ConnectionEvent>
  readonly handlers: RequestHandlersService
  readonly frameOf: (command: RemotingCommand, address: string) => Effect.Effect<FrameParts, ProtocolError>
  readonly countServerRequest: (code: number) => void
  readonly codeLabel: (code: number) => string
}): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { codeLabel, frameOf, handlers } = options
    const handlerFibers = yield* FiberSet.make()

    /** Answers a request the broker sent, through its registered handler. */
    const answer = (connection: Connection, request: RemotingCommand) => {
      const handler = handlers.lookup(request.code)
      const reply: Effect.Effect<RemotingCommand | undefined> = handler === undefined
        ? Effect.succeed(
          responseTo(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
            remark: ` request type ${request.code} not supported`
          })
        )
        : handler(request, { address: connection.address }).pipe(
          Effect.catchAllDefect((defect) =>
            Effect.logError("request handler failed").pipe(
              Effect.annotateLogs({ address: connection.address, code: request.code, defect: String(defect) }),
              Effect.as(responseTo(request, ResponseCode.SYSTEM_ERROR, { remark: String(defect) }))
            )
          )
        )
      return reply.pipe(
        Effect.flatMap((response) => {
          if (response === undefined || isOneway(request) || connection.closedBy !== undefined) return Effect.void
          const command: RemotingCommand = {
            ...response,
            opaque: request.opaque,
            flag: response.flag | Flag.RESPONSE,
            serializeType: request.serializeType
          }
          return Effect.map(frameOf(command, connection.address), (frame) => connection.write(frame))
        }),
        Effect.catchAll((error) => Effect.logError("cannot answer a broker request", error)),
        Effect.tap(() => options.countServerRequest(request.code)),
        Effect.withSpan(`RemotingClient.answer ${codeLabel(request.code)}`, {
          kind: "server",
          attributes: { "rocketmq.address": connection.address, "rocketmq.request_code": request.code }
        })
      )
    }

    // Interruptible whatever the region the transport is built in, so that closing its scope stops it.
    yield* Queue.take(options.events).pipe(
      Effect.flatMap((event) => {
        const annotations = { address: event.connection.address }
        switch (event._tag) {
          case "Request":
            return FiberSet.run(handlerFibers, answer(event.connection, event.command))
          case "Connected":
            return Effect.logDebug("connected").pipe(Effect.annotateLogs(annotations))
          case "Closed":
            return Effect.logInfo("connection closed").pipe(
              Effect.annotateLogs({ ...annotations, reason: event.error.reason })
            )
        }
      }),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )
  })
