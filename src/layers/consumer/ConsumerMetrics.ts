import * as Metric from "effect/Metric"
import * as MetricKey from "effect/MetricKey"

/**
 * A counter with one tag in its key. (`Metric.tagged` would add the tag on every update, as a new label array, which
 * misses Effect's hook cache and builds and hashes a new metric key each time: a cost per message on the consume
 * path.)
 *
 * @since 0.1.0
 * @category metrics
 */
export const taggedCounter = (
  name: string,
  description: string,
  key: string,
  value: string
): Metric.Metric.Counter<number> =>
  Metric.fromMetricKey(MetricKey.tagged(MetricKey.counter(name, { description }), key, value))

/**
 * The counters of one metric by the values of one tag, each made once when first asked for (the cache lives as long
 * as what made it: a consumer, not the module).
 *
 * @since 0.1.0
 * @category metrics
 */
export const countersBy = (name: string, description: string, key: string) => {
  const byValue = new Map<string, Metric.Metric.Counter<number>>()
  return (value: string): Metric.Metric.Counter<number> => {
    let counter = byValue.get(value)
    if (counter === undefined) {
      counter = taggedCounter(name, description, key, value)
      byValue.set(value, counter)
    }
    return counter
  }
}
