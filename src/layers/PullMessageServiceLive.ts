import * as Effect from "effect/Effect"
import * as FiberMap from "effect/FiberMap"
import * as Layer from "effect/Layer"
import { type MessageQueue, messageQueueKey } from "../protocol/MessageQueue.js"
import { PullMessageService } from "../services/PullMessageService.js"

/** A pull request's key (Java: `PullRequest`, a consumer group and a message queue). */
const keyOf = (group: string, queue: MessageQueue) => `${group}\u0001${messageQueueKey(queue)}`

/**
 * The pull message service: one `FiberMap` keyed by consumer group and message queue, in the layer's scope, so that
 * closing the instance interrupts every loop left.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PullMessageService> = Layer.scoped(
  PullMessageService,
  Effect.gen(function*() {
    const loops = yield* FiberMap.make<string, void, never>()
    return {
      // One already running for the request is stopped, and waited for, before the new one starts.
      start: (group, queue, loop) => {
        const key = keyOf(group, queue)
        // Interruptible wherever it is started from, so that stopping it never waits on a region it inherited.
        return Effect.zipRight(
          FiberMap.remove(loops, key),
          Effect.asVoid(FiberMap.run(loops, key, Effect.interruptible(loop)))
        )
      },
      stop: (group, queue) => FiberMap.remove(loops, keyOf(group, queue)),
      stopGroup: (group) =>
        Effect.suspend(() => {
          const prefix = `${group}\u0001`
          const keys = [...loops].map(([key]) => key).filter((key) => key.startsWith(prefix))
          return Effect.forEach(keys, (key) => FiberMap.remove(loops, key), { concurrency: "unbounded", discard: true })
        }),
      size: FiberMap.size(loops)
    }
  })
)
