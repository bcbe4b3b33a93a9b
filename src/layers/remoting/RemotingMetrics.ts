import { Metric, MetricBoundaries } from "effect"

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
