import type * as Clock from "effect/Clock"
import type { MessageQueue } from "../../protocol/MessageQueue.js"
import { LatencyFaultTable, selectQueue } from "../../services/TopicPublishInfo.js"

/**
 * How a send picks its queue and remembers brokers that failed or answered slowly (Java: `MQFaultStrategy`): every
 * try's latency goes to the latency fault table; with `sendLatencyFaultEnable` the queues of brokers it holds
 * unavailable are passed over.
 *
 * @since 0.1.0
 * @category producer
 */
export class MQFaultStrategy {
  private readonly table = new LatencyFaultTable()
  private readonly isAvailable: ((brokerName: string) => boolean) | undefined

  constructor(sendLatencyFaultEnable: boolean, private readonly clock: Clock.Clock) {
    this.isAvailable = sendLatencyFaultEnable
      ? (brokerName) => this.table.isAvailable(brokerName, clock.unsafeCurrentTimeMillis())
      : undefined
  }

  /**
   * The next queue from the topic's counter, avoiding the broker that just failed (Java:
   * `selectOneMessageQueue(tpInfo, lastBrokerName)`).
   */
  selectOneMessageQueue(
    queues: ReadonlyArray<MessageQueue>,
    counter: number,
    lastBrokerName: string | undefined
  ): MessageQueue | undefined {
    return selectQueue(queues, counter, lastBrokerName, this.isAvailable)
  }

  /** A try on the broker, started at `started`, was answered: its latency is recorded (Java: `updateFaultItem`). */
  answered(brokerName: string, started: number): void {
    const now = this.clock.unsafeCurrentTimeMillis()
    this.table.update(brokerName, now - started, now)
  }

  /** A try on the broker failed: recorded as Java does, as a latency of 30 s (Java: `updateFaultItem`, isolation). */
  failed(brokerName: string): void {
    this.table.update(brokerName, 30_000, this.clock.unsafeCurrentTimeMillis())
  }
}
