import type { Stream } from "effect"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { PushConsumer as PushConsumerTag } from "../services/PushConsumer.js"
import * as PushConsumerLive from "./PushConsumerLive.js"

/**
 * The push consumer service, as `src/index.ts` exports it: the tag of `src/services/PushConsumer.ts` (the same key, so
 * `yield* PushConsumer` and `PushConsumerLive.layer` meet) with `stream`, which the layer builds. It lives here, not in
 * the service file, so that the service does not import its layer (no import circle).
 *
 * @since 0.1.0
 * @category consumer
 */
export class PushConsumer extends PushConsumerTag {
  /**
   * A consumer of the group as a `Stream` of messages, one at a time: a message counts as consumed (its offset may
   * be committed) once the stream's consumer has taken it and asks for the next element. The consumer lives as long
   * as the stream runs; when the stream ends, the last message taken (never followed by a request for the next) and
   * any waiting are not committed and will be delivered again.
   */
  static readonly stream = (
    options: PushConsumerLive.PushConsumerStreamOptions
  ): Stream.Stream<MessageExt, PushConsumerLive.PushConsumerStartError, PushConsumerLive.PushConsumerRequirements> =>
    PushConsumerLive.stream(options)
}
