// A tracer that records the spans it is asked for, for tests that check what a traced run shows.
import { Context, Option, Tracer } from "effect"

export interface RecordedSpan {
  readonly name: string
  readonly parent: string | undefined
  readonly attributes: Map<string, unknown>
  ended: boolean
}

/** A tracer and the spans it recorded, in the order they started. */
export const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent) => {
      const attributes = new Map<string, unknown>()
      const record: RecordedSpan = {
        name,
        parent: Option.getOrUndefined(Option.map(parent, (p) => p.spanId)),
        attributes,
        ended: false
      }
      spans.push(record)
      return {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context: Context.empty(),
        status: { _tag: "Started", startTime: 0n },
        attributes,
        links: [],
        sampled: true,
        kind: "internal",
        end: () => void (record.ended = true),
        attribute: (key: string, value: unknown) => void attributes.set(key, value),
        event: () => undefined,
        addLinks: () => undefined
      }
    },
    context: (f) => f()
  })
  return { tracer, spans }
}
