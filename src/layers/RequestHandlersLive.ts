import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type RequestHandler, RequestHandlers } from "../services/RequestHandlers.js"

/**
 * The handler registry: a handler registered in a scope is removed when that scope closes.
 *
 * @since 0.1.0
 * @category layers
 */
export const RequestHandlersLive: Layer.Layer<RequestHandlers> = Layer.sync(RequestHandlers, () => {
  const handlers = new Map<number, RequestHandler>()
  return {
    register: (code, handler) =>
      Effect.acquireRelease(
        Effect.sync(() => handlers.set(code, handler)),
        () => Effect.sync(() => handlers.get(code) === handler && handlers.delete(code))
      ).pipe(Effect.asVoid),
    lookup: (code) => handlers.get(code)
  }
})
