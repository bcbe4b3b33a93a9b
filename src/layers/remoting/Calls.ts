import type * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"
import type { ProtocolError } from "../../protocol/ProtocolError.js"
import { encodeFrameParts, Flag, type FrameParts, type RemotingCommand } from "../../protocol/RemotingCommand.js"
import { type RemotingClientService, type RemotingError, RemotingTimeoutError } from "../../services/RemotingClient.js"
import { type RpcHook, runAfterResponse, runBeforeRequest } from "../../services/RpcHooks.js"
import type { CallSpans } from "./CallSpans.js"
import type { Connection } from "./Connection.js"
import { type Connector, notConnectedWithin } from "./Connector.js"
import type { Framing } from "./Framing.js"
import type { PermitPool } from "./PermitPool.js"
import type { CallMetrics } from "./RemotingMetrics.js"
import { makeSendRequest, type SendRequest } from "./ResponseFuture.js"
import type { TimedWaits } from "./TimedWaits.js"

/**
 * What the transport's request paths share: its clock, hooks, connections and waits with a deadline, its framing,
 * counts and spans, and how timeouts are read.
 *
 * @since 0.1.0
 * @category internal
 */
export interface CallContext {
  readonly clock: Clock.Clock
  readonly hooks: ReadonlyArray<RpcHook>
  readonly connector: Connector
  readonly waits: TimedWaits
  readonly framing: Framing
  readonly metrics: CallMetrics
  readonly spans: CallSpans
  readonly tracing: boolean
  readonly timeoutMillisOf: (timeout: Duration.DurationInput | undefined) => number
}

/**
 * The general path of a call (Java: `invokeSync` with its RPC hooks, `semaphoreAsync` and `getAndCreateChannel`):
 * hooks run, a permit waited for (until the call's deadline), the connection opened if need be (waited for until
 * `connectBy`), then the call sent.
 */
const makeInvokeGeneral = (context: CallContext, asyncPermits: PermitPool, send: SendRequest) => {
  const { clock, connector, framing, hooks, waits } = context
  return (
    address: string,
    request: RemotingCommand,
    deadline: number,
    timeoutMillis: number,
    connectBy: number,
    connectMillis: number
  ): Effect.Effect<RemotingCommand, RemotingError> =>
    (hooks.length === 0 ? Effect.succeed(request) : runBeforeRequest(hooks, address, request)).pipe(
      Effect.flatMap((hooked) =>
        // The permit is taken here and given back by the call once it is answered, fails or times out; a call whose
        // caller is interrupted keeps it until then, as Java's response table keeps the call's future.
        Effect.uninterruptibleMask((restore) =>
          Effect.zipRight(
            restore(
              asyncPermits.takeUntil(
                waits,
                deadline,
                () => new RemotingTimeoutError({ address, code: request.code, timeoutMillis })
              )
            ),
            restore(
              Effect.flatMap(
                connector.connectionTo(address, connectBy, () => notConnectedWithin(address, connectMillis)),
                (connection) =>
                  Effect.suspend((): Effect.Effect<
                    readonly [Connection, RemotingCommand, FrameParts],
                    RemotingError | ProtocolError
                  > => {
                    if (connection.closedBy !== undefined) return Effect.fail(connection.closedBy)
                    if (clock.unsafeCurrentTimeMillis() >= deadline) {
                      return Effect.fail(new RemotingTimeoutError({ address, code: request.code, timeoutMillis }))
                    }
                    const command = framing.prepare(hooked, hooked.flag & ~(Flag.ONEWAY | Flag.RESPONSE))
                    return Effect.map(
                      framing.frameOf(command, address),
                      (frame) => [connection, command, frame] as const
                    )
                  })
              )
            ).pipe(
              Effect.onError(() => Effect.sync(() => asyncPermits.release())),
              Effect.flatMap(([connection, command, frame]) =>
                restore(
                  Effect.map(
                    Effect.async<RemotingCommand, RemotingError>((resume) =>
                      send(connection, command, frame, deadline, timeoutMillis, true, undefined, resume)
                    ),
                    (response) => [command, response] as const
                  )
                )
              )
            )
          )
        )
      ),
      Effect.flatMap(([command, response]) =>
        hooks.length === 0
          ? Effect.succeed(response)
          : Effect.as(runAfterResponse(hooks, address, command, response), response)
      )
    )
}

/**
 * Requests with a response (Java: `invokeSync`): each call is one object in its connection's pending table until its
 * response comes, its connection is lost or the sweeper passes its deadline (`deadlineRegistered` tells it of each).
 *
 * @since 0.1.0
 * @category internal
 */
export const makeInvoke = (
  context: CallContext,
  asyncPermits: PermitPool,
  deadlineRegistered: (deadline: number) => void
): RemotingClientService["invoke"] => {
  const { clock, connector, framing, hooks, metrics, spans, timeoutMillisOf, tracing } = context
  const send = makeSendRequest(metrics, spans, asyncPermits, deadlineRegistered)
  const invokeGeneral = makeInvokeGeneral(context, asyncPermits, send)

  /**
   * A call as one `Effect.async`. Most calls take the fast path (an open connection, no hooks, a free permit): the
   * call is registered and its frame written at once. Any other goes the general way, which the async resumes with.
   */
  // Fast path kept for bench/remoting.ts: 2.4x (64 in flight) and 3.0x (1024) the general way alone (2026-12-03).
  const untraced = { span: undefined }
  const observing = (span: Tracer.Span | undefined) => span === undefined ? untraced : { span }

  const call = (
    address: string,
    request: RemotingCommand,
    timeoutMillis: number,
    connectMillis: number,
    span: Tracer.Span | undefined
  ) =>
    Effect.async<RemotingCommand, RemotingError>((resume) => {
      metrics.countSent(request.code)
      const now = clock.unsafeCurrentTimeMillis()
      const deadline = now + timeoutMillis
      const connection = connector.open.get(address)
      if (
        hooks.length === 0 && connection?.closedBy === undefined && connection !== undefined && asyncPermits.tryTake()
      ) {
        const command = framing.prepare(request, request.flag & ~(Flag.ONEWAY | Flag.RESPONSE))
        const frame = encodeFrameParts(command)
        if (frame.length <= framing.maxFrameLength) {
          return send(connection, command, frame, deadline, timeoutMillis, true, observing(span), resume)
        }
        asyncPermits.release()
      }
      resume(
        invokeGeneral(address, request, deadline, timeoutMillis, now + connectMillis, connectMillis).pipe(
          Effect.onExit((exit) => Effect.sync(() => spans.observeExit(exit, span)))
        )
      )
    })

  const invoke: RemotingClientService["invoke"] = (address, request, timeout, invokeOptions) => {
    const timeoutMillis = timeoutMillisOf(timeout)
    const connectMillis = invokeOptions?.connectTimeout === undefined
      ? timeoutMillis
      : Math.min(timeoutMillis, timeoutMillisOf(invokeOptions.connectTimeout))
    // With a tracer, the span is started under the caller's span, which only the fiber knows.
    return tracing
      ? Effect.withFiberRuntime<RemotingCommand, RemotingError>((fiber) =>
        call(
          address,
          request,
          timeoutMillis,
          connectMillis,
          spans.startSpan(fiber, "RemotingClient.invoke", request.code, address)
        )
      )
      : call(address, request, timeoutMillis, connectMillis, undefined)
  }

  return invoke
}
