import { Context, DefaultServices, Effect, Tracer } from "effect"

/**
 * Whether a tracer other than Effect's built-in one is installed. With none, the built-in tracer would make span
 * objects that nothing records, so hot paths skip their spans then.
 *
 * @since 0.1.0
 * @category tracing
 */
export const tracerInstalled: Effect.Effect<boolean> = Effect.map(
  Effect.tracer,
  (tracer) => tracer !== Context.get(DefaultServices.liveServices, Tracer.Tracer)
)
