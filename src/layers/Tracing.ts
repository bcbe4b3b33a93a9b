import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

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
