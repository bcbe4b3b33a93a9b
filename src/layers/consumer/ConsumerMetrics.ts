import { Metric } from "effect"

/**
 * A counter with one more tag, still typed as a counter of numbers.
 *
 * @since 0.1.0
 * @category metrics
 */
export const tagged = (
  counter: Metric.Metric.Counter<number>,
  key: string,
  value: string
): Metric.Metric.Counter<number> => counter.pipe(Metric.tagged(key, value))
