import * as Effect from "effect/Effect"
import { Flag, type FrameParts } from "../../protocol/RemotingCommand.js"
import {
  type RemotingClientService,
  RemotingConnectionError,
  type RemotingError,
  RemotingTimeoutError
} from "../../services/RemotingClient.js"
import { runBeforeRequest } from "../../services/RpcHooks.js"
import type { CallContext } from "./Calls.js"
import type { Connection } from "./Connection.js"
import { notConnectedWithin } from "./Connector.js"
import type { PermitPool } from "./PermitPool.js"
import type { TimedWait } from "./TimedWaits.js"

/**
 * Requests with no response (Java: `invokeOneway`): the timeout covers the wait for a permit, a connection and the
 * write; the permit is held until the frame has gone to the socket.
 *
 * @since 0.1.0
 * @category internal
 */
export const makeInvokeOneway = (
  context: CallContext,
  onewayPermits: PermitPool
): RemotingClientService["invokeOneway"] => {
  const { clock, connector, framing, hooks, metrics, spans, timeoutMillisOf, tracing, waits } = context

  /**
   * Writes a oneway frame. Its permit is given back once the frame has gone to the socket (as Java releases it on
   * write); the caller waits for that until the deadline.
   */
  const writeOneway = (
    connection: Connection,
    frame: FrameParts,
    deadline: number,
    onDeadline: () => RemotingError
  ) =>
    Effect.async<void, RemotingError>((resume) => {
      let waiting = true
      const wait: TimedWait = {
        deadline,
        expire: () => {
          waiting = false
          resume(Effect.fail(onDeadline()))
        }
      }
      connection.write(frame, (error) => {
        onewayPermits.release()
        waits.delete(wait)
        if (!waiting) return
        waiting = false
        resume(
          error
            ? Effect.fail(new RemotingConnectionError({ address: connection.address, reason: error.message }))
            : Effect.void
        )
      })
      waits.add(wait)
      return Effect.sync(() => {
        waiting = false
        waits.delete(wait)
      })
    })

  const invokeOneway: RemotingClientService["invokeOneway"] = (address, request, timeout) => {
    const timeoutMillis = timeoutMillisOf(timeout)
    const oneway = Effect.suspend(() => {
      metrics.countRequest(request.code)
      const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillis
      const onDeadline = () => new RemotingTimeoutError({ address, code: request.code, timeoutMillis })
      return Effect.flatMap(
        runBeforeRequest(hooks, address, request),
        (hooked) =>
          Effect.uninterruptibleMask((restore) =>
            Effect.zipRight(
              restore(onewayPermits.takeUntil(waits, deadline, onDeadline)),
              restore(
                Effect.flatMap(
                  connector.connectionTo(address, deadline, () => notConnectedWithin(address, timeoutMillis)),
                  (connection) =>
                    Effect.suspend((): Effect.Effect<readonly [Connection, FrameParts], RemotingError> => {
                      if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
                      const command = framing.prepare(hooked, (hooked.flag | Flag.ONEWAY) & ~Flag.RESPONSE)
                      return Effect.map(framing.frameOf(command, address), (frame) => [connection, frame] as const)
                    })
                )
              ).pipe(
                Effect.onError(() => Effect.sync(() => onewayPermits.release())),
                Effect.flatMap(([connection, frame]) => restore(writeOneway(connection, frame, deadline, onDeadline)))
              )
            )
          )
      )
    })
    return Effect.withFiberRuntime<void, RemotingError>((fiber) => {
      const span = tracing ? spans.startSpan(fiber, "RemotingClient.invokeOneway", request.code, address) : undefined
      return Effect.onExit(oneway, (exit) => Effect.sync(() => spans.observeExit(exit, span)))
    })
  }

  return invokeOneway
}
