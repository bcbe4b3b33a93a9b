import type { MessageQueue } from "../../protocol/MessageQueue.js"
import type { Message } from "../../services/Message.js"
import { withoutNamespace, wrapNamespace } from "../../services/Namespace.js"
import type { SendResult } from "../../services/Producer.js"

// Topics travel under the client's namespace, and come back without it (Java: `withNamespace`, `withoutNamespace`).

/**
 * A message as it travels: its topic under the namespace.
 *
 * @since 0.1.0
 * @category producer
 */
export const messageToWire = <M extends Message>(namespace: string | undefined, message: M): M => ({
  ...message,
  topic: wrapNamespace(namespace, message.topic)
})

/**
 * A queue chosen by the caller as it travels: its topic under the namespace.
 *
 * @since 0.1.0
 * @category producer
 */
export const queueToWire = (
  namespace: string | undefined,
  queue: MessageQueue | undefined
): MessageQueue | undefined =>
  queue === undefined ? undefined : { ...queue, topic: wrapNamespace(namespace, queue.topic) }

/**
 * A send's result as the caller sees it: its queue's topic without the namespace.
 *
 * @since 0.1.0
 * @category producer
 */
export const resultFromWire = <R extends SendResult>(result: R): R => ({
  ...result,
  messageQueue: { ...result.messageQueue, topic: withoutNamespace(result.messageQueue.topic) }
})
