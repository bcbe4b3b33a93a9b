import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/** Requests sent, by request code name. */
export const requestsSent = Metric.counter("rocketmq_remoting_requests_total", {
  description: "Requests sent to brokers and name servers"
})

/** Failed calls, by error type. */
export const requestFailures = Metric.counter("rocketmq_remoting_failures_total", {
  description: "Calls that failed, by error type"
})

/** Calls waiting for a response now. */
export const requestsInFlight = Metric.gauge("rocketmq_remoting_in_flight", {
  description: "Calls waiting for their response"
})

/** Round-trip time of answered calls, in milliseconds. */
export const roundTrip = Metric.histogram(
  "rocketmq_remoting_round_trip_ms",
  MetricBoundaries.fromIterable([0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 3000, 10000]),
  "Round-trip time of answered calls"
)

/** Responses that matched no call in flight: late ones, after their call timed out. */
export const lateResponses = Metric.counter("rocketmq_remoting_late_responses_total", {
  description: "Responses dropped because their call had already timed out"
})

/** Requests the broker sent this client, by request code name. */
export const serverRequests = Metric.counter("rocketmq_remoting_server_requests_total", {
  description: "Requests received from brokers"
})

/**
 * Counting by one label on the hot path: each label value keeps one label array, so the metric's hook is looked up
 * once and then found in Effect's per-array cache (`Metric.tagged` makes a new array on every update).
 */
const countBy = (base: Metric.Metric.Counter<number>, key: string) => {
  const labels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
  return (value: string, count = 1): void => {
    let tags = labels.get(value)
    if (tags === undefined) {
      tags = [MetricLabel.make(key, value)]
      labels.set(value, tags)
    }
    base.unsafeUpdate(count, tags)
  }
}

/** The label list of metrics without labels, one array for every update. */
export const NO_LABELS: ReadonlyArray<MetricLabel.MetricLabel> = []

/**
 * The transport's counts. The in-flight gauge and the request counters are updated once per batch of calls (a
 * microtask after they start or end), not on every call.
 *
 * @since 0.1.0
 * @category internal
 */
export class CallMetrics {
  /** Calls in flight now. */
  inFlight = 0
  private scheduled = false
  private readonly sentByCode = new Map<number, number>()
  private readonly requestsBy = countBy(requestsSent, "code")
  private readonly serverRequestsBy = countBy(serverRequests, "code")
  /** Counts a failed call by its error's tag. */
  readonly countFailure = countBy(requestFailures, "error")

  constructor(private readonly codeLabel: (code: number) => string) {}

  callStarted(): void {
    this.inFlight++
    this.changed()
  }

  callEnded(): void {
    this.inFlight--
    this.changed()
  }

  /** Counts a call sent, with the batch. */
  countSent(code: number): void {
    this.sentByCode.set(code, (this.sentByCode.get(code) ?? 0) + 1)
    this.changed()
  }

  /** Counts a request sent, at once. */
  countRequest(code: number): void {
    this.requestsBy(this.codeLabel(code))
  }

  countServerRequest(code: number): void {
    this.serverRequestsBy(this.codeLabel(code))
  }

  private changed(): void {
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.publish)
    }
  }

  private readonly publish = () => {
    this.scheduled = false
    requestsInFlight.unsafeUpdate(this.inFlight, NO_LABELS)
    for (const [code, count] of this.sentByCode) this.requestsBy(this.codeLabel(code), count)
    this.sentByCode.clear()
  }
}
