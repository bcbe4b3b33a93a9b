// Why a real cluster or the Java peer could not be set up: each names its cause, so a failing start says what to fix.
import { Data } from "effect"

/** A tool the real suite needs (java, javac, mvn, openssl) is not on this machine. */
export class ToolMissingError extends Data.TaggedError("ToolMissingError")<{
  readonly tool: string
  readonly hint: string
}> {
  override get message() {
    return `${this.tool} was not found on this machine: ${this.hint}`
  }
}

/** Maven could not resolve RocketMQ's jars (no network to Maven Central, a version not served, ...). */
export class ResolveError extends Data.TaggedError("ResolveError")<{
  readonly what: string
  readonly output: string
}> {
  override get message() {
    return `could not resolve ${this.what} from Maven Central:\n${this.output}`
  }
}

/** A port the real cluster wanted is taken. */
export class PortInUseError extends Data.TaggedError("PortInUseError")<{ readonly port: number }> {
  override get message() {
    return `port ${this.port} on 127.0.0.1 is already in use`
  }
}

/** A JVM of the cluster (name server, broker) or the Java peer exited or never said it was ready. */
export class ProcessFailedError extends Data.TaggedError("ProcessFailedError")<{
  readonly name: string
  readonly reason: string
  readonly log: string
}> {
  override get message() {
    return `${this.name} ${this.reason}; the last lines of its log:\n${this.log}`
  }
}

export type RealSetupError = ToolMissingError | ResolveError | PortInUseError | ProcessFailedError
