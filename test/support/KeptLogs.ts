// A logger for tests that keeps what is logged (nothing is printed), so a test can check what its client logged.
import { HashMap, Logger } from "effect"

export interface Logged {
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Replaces the default logger with one that pushes each line to `logs`. */
export const keptLogs = (logs: Array<Logged>) =>
  Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ annotations, message }) => {
      logs.push({
        message: String(Array.isArray(message) ? message[0] : message),
        annotations: Object.fromEntries(HashMap.toEntries(annotations))
      })
    })
  )
