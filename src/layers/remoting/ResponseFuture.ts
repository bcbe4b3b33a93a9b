import * as Exit from "effect/Exit"
import type * as Tracer from "effect/Tracer"
import type { FrameParts, RemotingCommand } from "../../protocol/RemotingCommand.js"
import type { RemotingError } from "../../services/RemotingClient.js"
import type { CallSpans } from "./CallSpans.js"
import type { Connection, PendingCall } from "./Connection.js"
import type { WriteBatch } from "./FrameWriter.js"
import type { PermitPool } from "./PermitPool.js"
import * as Metrics from "./RemotingMetrics.js"
import { type CallMetrics, NO_LABELS } from "./RemotingMetrics.js"

/**
 * Registers a prepared call in its connection's response table and writes its frame; `resume` is told how it ends.
 * Called from the call's one `Effect.async`: the call is in the response table (and holds its permit, when
 * `permitHeld`) until the response comes, the connection is lost or the timeout sweeper passes its deadline (Clock
 * milliseconds). An interrupted caller leaves it there until then (Java's response table does the same), so no
 * interruption handler is set up for each call. When `observed` is given, the call's failure is counted and its span
 * (if any) ended then too.
 *
 * @since 0.1.0
 * @category internal
 */
export type SendRequest = (
  connection: Connection,
  command: RemotingCommand,
  frame: FrameParts,
  deadline: number,
  timeoutMillis: number,
  permitHeld: boolean,
  observed: { readonly span: Tracer.Span | undefined } | undefined,
  resume: (exit: Exit.Exit<RemotingCommand, RemotingError>) => void
) => void

/**
 * The send of a call with a response (Java: `invokeSyncImpl`: a `ResponseFuture` put in the response table by opaque,
 * then the frame written): each call's deadline is told to the timeout sweeper through `deadlineRegistered` (Java:
 * `scanResponseTable`), and the call's end updates the metrics, gives back its permit and resumes the caller.
 *
 * @since 0.1.0
 * @category internal
 */
export const makeSendRequest = (
  metrics: CallMetrics,
  spans: CallSpans,
  asyncPermits: PermitPool,
  deadlineRegistered: (deadline: number) => void
): SendRequest => {
  /**
   * A call in the response table: one object per call, whose `resume` ends it (response, timeout or lost
   * connection), updates the metrics, gives back its permit and resumes the caller.
   */
  class ResponseFuture implements PendingCall {
    resumeCaller: ((exit: Exit.Exit<RemotingCommand, RemotingError>) => void) | undefined = undefined
    batch: WriteBatch | undefined = undefined
    constructor(
      readonly deadline: number,
      readonly code: number,
      readonly timeoutMillis: number,
      readonly permitHeld: boolean,
      readonly observed: { readonly span: Tracer.Span | undefined } | undefined
    ) {}

    resume(exit: Exit.Exit<RemotingCommand, RemotingError>, receivedAt?: number): void {
      metrics.callEnded()
      if (this.permitHeld) asyncPermits.release()
      // The round trip: from the write of the call's batch to the arrival of the bytes that hold its response.
      if (receivedAt !== undefined && this.batch !== undefined && Exit.isSuccess(exit)) {
        Metrics.roundTrip.unsafeUpdate(receivedAt - this.batch.sentAt, NO_LABELS)
      }
      if (this.observed !== undefined) spans.observeExit(exit, this.observed.span)
      this.resumeCaller!(exit)
    }
  }

  return (connection, command, frame, deadline, timeoutMillis, permitHeld, observed, resume) => {
    const call = new ResponseFuture(deadline, command.code, timeoutMillis, permitHeld, observed)
    call.resumeCaller = resume
    connection.pending.set(command.opaque, call)
    metrics.callStarted()
    deadlineRegistered(deadline)
    call.batch = connection.write(frame)
  }
}
