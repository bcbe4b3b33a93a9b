import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import type { RemotingError } from "../../services/RemotingClient.js"
import type { CallMetrics } from "./RemotingMetrics.js"

/**
 * A call's span and failure count: `startSpan` starts a client span on the tracer under the caller's current span;
 * `observeExit` counts a failed call and ends its span, when there is one.
 *
 * @since 0.1.0
 * @category internal
 */
export const makeCallSpans = (
  tracer: Tracer.Tracer,
  clock: Clock.Clock,
  metrics: CallMetrics,
  codeLabel: (code: number) => string
) => ({
  startSpan: (fiber: Fiber.RuntimeFiber<unknown, unknown>, name: string, code: number, address: string) => {
    const parent = Context.getOption(fiber.currentContext, Tracer.ParentSpan)
    const span = tracer.span(
      `${name} ${codeLabel(code)}`,
      parent,
      Context.empty(),
      [],
      clock.unsafeCurrentTimeNanos(),
      "client"
    )
    span.attribute("rocketmq.address", address)
    span.attribute("rocketmq.request_code", code)
    return span
  },
  observeExit: (exit: Exit.Exit<unknown, RemotingError>, span: Tracer.Span | undefined) => {
    if (Exit.isFailure(exit)) {
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure)) metrics.countFailure(failure.value._tag)
    }
    span?.end(clock.unsafeCurrentTimeNanos(), exit)
  }
})

/**
 * @since 0.1.0
 * @category internal
 */
export type CallSpans = ReturnType<typeof makeCallSpans>

/**
 * A timeout in milliseconds, `defaultTimeout` when none is given; texts such as "3 seconds" are parsed once, not on
 * every call.
 *
 * @since 0.1.0
 * @category internal
 */
export const makeTimeoutMillisOf = (defaultTimeout: Duration.Duration) => {
  const parsed = new Map<string, number>()
  return (timeout: Duration.DurationInput | undefined): number => {
    if (typeof timeout === "number") return timeout
    if (typeof timeout !== "string") return Duration.toMillis(timeout === undefined ? defaultTimeout : timeout)
    let millis = parsed.get(timeout)
    if (millis === undefined) {
      millis = Duration.toMillis(Duration.decode(timeout))
      if (parsed.size >= 64) parsed.clear()
      parsed.set(timeout, millis)
    }
    return millis
  }
}
