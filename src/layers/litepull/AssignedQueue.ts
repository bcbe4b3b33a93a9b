import type { MessageExt } from "../../protocol/MessageDecoder.js"
import { type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { ProcessQueue } from "../../services/ProcessQueue.js"
import type { QueueEntry } from "../consumer/ProcessQueueTable.js"

/**
 * A queue a lite pull consumer holds (Java: `AssignedMessageQueue.MessageQueueState`): its buffer of pulled messages
 * not yet handed out (a `ProcessQueue`, replaced by a new one on a seek, the old one dropped), whether it is paused,
 * and its consume offset: the first offset `poll` has not handed out, -1 before the first poll.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export class AssignedQueue implements QueueEntry {
  readonly key: string
  processQueue = new ProcessQueue()
  paused = false
  consumeOffset = -1
  constructor(readonly queue: MessageQueue) {
    this.key = messageQueueKey(queue)
  }
}

/**
 * One pull's messages of one queue, waiting to be handed out (Java: `ConsumeRequest`): `poll` hands out one at a time.
 *
 * @since 0.1.0
 * @category lite pull consumer
 */
export interface ConsumeRequest {
  readonly assigned: AssignedQueue
  /** The process queue they were put in: a request of a dropped one (a seek, a queue let go) is never handed out. */
  readonly processQueue: ProcessQueue
  readonly messages: ReadonlyArray<MessageExt>
}
