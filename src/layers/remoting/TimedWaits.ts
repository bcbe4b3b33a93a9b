/**
 * A wait with a deadline (Clock milliseconds): a connection attempt, or a caller waiting for a connection or a
 * permit. When the deadline passes, the transport's timeout sweeper calls `expire`, which ends the wait itself
 * (fails the attempt, resumes the caller with its error): the deadline holds whatever the waiting fiber's
 * interruptibility, as no fiber is interrupted.
 *
 * @since 0.1.0
 * @category internal
 */
export interface TimedWait {
  readonly deadline: number
  readonly expire: () => void
}

/**
 * The transport's waits with a deadline, besides the calls in flight (which their connection keeps). `onAdded` tells
 * the sweeper of each new deadline.
 *
 * @since 0.1.0
 * @category internal
 */
export class TimedWaits {
  private readonly waits = new Set<TimedWait>()

  constructor(private readonly onAdded: (deadline: number) => void) {}

  add(wait: TimedWait): void {
    this.waits.add(wait)
    this.onAdded(wait.deadline)
  }

  delete(wait: TimedWait): void {
    this.waits.delete(wait)
  }

  /** Ends the waits whose deadline is past `now`; returns the earliest deadline of those left. */
  expire(now: number): number {
    let earliest = Number.POSITIVE_INFINITY
    for (const wait of this.waits) {
      if (wait.deadline > now) earliest = Math.min(earliest, wait.deadline)
      else {
        this.waits.delete(wait)
        wait.expire()
      }
    }
    return earliest
  }
}
