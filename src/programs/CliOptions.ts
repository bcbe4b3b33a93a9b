// Options and checks shared by the CLI's commands: validated numbers, name-server lists, names, and the errors a
// command fails with before any work is done.
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { parseHostAddress } from "../protocol/HostAddress.js"
import { checkGroupName as checkGroup } from "../services/AdminValidation.js"
import { checkTopic } from "../services/Message.js"
import { parseNameServerList } from "../services/NameServerAddresses.js"

/**
 * A command line that cannot work, found after parsing (e.g. no name server given anywhere): exit code 2, like
 * the parser's own errors.
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return this.reason
  }
}

/** A topic or group name RocketMQ refuses (Java: `Validators.checkTopic`, `checkGroup`). */
export class InvalidNameError extends Data.TaggedError("InvalidNameError")<{
  readonly kind: "topic" | "group"
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.kind} ${JSON.stringify(this.name)}: ${this.reason}`
  }
}

/** The name servers do not know the topic. */
export class TopicNotFoundError extends Data.TaggedError("TopicNotFoundError")<{ readonly topic: string }> {
  override get message(): string {
    return `no route for topic ${this.topic}: the name servers do not know it`
  }
}

const invalid = (text: string) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(text)))

/** A description with the default appended, as the help shows it. */
export const describedWithDefault = (description: string, shown: string | number) =>
  `${description} (default: ${shown})`

/**
 * An integer option that must lie in [min, max]; anything else is a usage error naming the option and the range.
 * `fallback` makes it optional with that default (shown in the help).
 */
export const integerOption = (
  name: string,
  description: string,
  range: { readonly min: number; readonly max: number; readonly what?: string }
) =>
  Options.integer(name).pipe(
    Options.withDescription(description),
    Options.mapEffect((n) =>
      n >= range.min && n <= range.max
        ? Effect.succeed(n)
        : invalid(`--${name} must be ${range.what ?? `an integer from ${range.min} to ${range.max}`}, got ${n}`)
    )
  )

/**
 * An option taking a duration such as `10s`, `1500ms`, `2m`, `1h` or Effect's `"10 seconds"`; anything else is bad
 * usage.
 */
export const durationOption = (name: string, description: string) =>
  Options.text(name).pipe(
    Options.withDescription(description),
    Options.mapEffect((text) => {
      const short = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim())
      const units = { ms: "millis", s: "seconds", m: "minutes", h: "hours", d: "days" } as const
      const decoded = short === null
        ? Duration.decodeUnknown(text.trim())
        : Duration.decodeUnknown(`${short[1]} ${units[short[2] as keyof typeof units]}`)
      return Option.isSome(decoded) && Duration.isFinite(decoded.value)
        ? Effect.succeed(decoded.value)
        : invalid(`--${name} must be a duration such as 10s, 1500ms, 2m or "10 seconds", got ${JSON.stringify(text)}`)
    })
  )

/** Splits a name-server list on `;` or `,` and checks each is host:port; answers the list joined with `;`. */
export const normalizeNameServers = (text: string, label = "--namesrv"): Either.Either<string, string> => {
  const list = parseNameServerList(text)
  if (list.length === 0) return Either.left(`${label}: no name server address in it`)
  const bad = list.find((a) => parseHostAddress(a) === undefined || a.startsWith(":"))
  if (bad !== undefined) {
    return Either.left(`${label}: ${JSON.stringify(bad)} is not host:port (separate name servers with ; or ,)`)
  }
  return Either.right(list.join(";"))
}

const namesrvFromEnv = Config.string("ROCKETMQ_NAMESRV_ADDR").pipe(Config.orElse(() => Config.string("NAMESRV_ADDR")))

/**
 * `--namesrv host:port;host:port` (`,` works too), or `ROCKETMQ_NAMESRV_ADDR` (or Java's `NAMESRV_ADDR`) when it is
 * not given; `None` when neither is set (the address server, if `ROCKETMQ_NAMESRV_DOMAIN` names one, is used then).
 */
export const namesrvOption = Options.text("namesrv").pipe(
  Options.withDescription(
    "name servers as host:port, separated by ; or , (default: ROCKETMQ_NAMESRV_ADDR)"
  ),
  Options.withFallbackConfig(namesrvFromEnv),
  Options.optional,
  Options.mapEffect((given) =>
    Option.match(given, {
      onNone: () => Effect.succeed(Option.none<string>()),
      onSome: (text) =>
        Either.match(normalizeNameServers(text), {
          onLeft: invalid,
          onRight: (list) => Effect.succeed(Option.some(list))
        })
    })
  )
)

/**
 * The client settings the CLI overrides: the name servers when given. With none given and no address server
 * configured (`ROCKETMQ_NAMESRV_DOMAIN`), a `UsageError` saying how to give one.
 */
export const clientOverrides = (namesrv: Option.Option<string>) =>
  Option.match(namesrv, {
    onSome: (nameServerAddress) => Effect.succeed({ nameServerAddress }),
    onNone: () =>
      Effect.flatMap(Config.option(Config.string("ROCKETMQ_NAMESRV_DOMAIN")).pipe(Effect.orDie), (domain) =>
        Option.isSome(domain)
          ? Effect.succeed({})
          : new UsageError({
            reason: "no name server: give --namesrv host:port or set ROCKETMQ_NAMESRV_ADDR"
          }))
  })

/** Checks a topic name as Java's client does. */
export const checkTopicName = (topic: string) =>
  Either.mapLeft(checkTopic(topic), (e) => new InvalidNameError({ kind: "topic", name: topic, reason: e.reason }))

/** Checks a group name as Java's client does (Java: `Validators.checkGroup`). */
export const checkGroupName = (group: string): Either.Either<string, InvalidNameError> =>
  Either.mapLeft(checkGroup(group), (e) => new InvalidNameError({ kind: "group", name: group, reason: e.reason }))

/** `--trace`: message trace on for the command's own producer or consumer (Java: `enableMsgTrace`). */
export const traceOption = Options.boolean("trace").pipe(
  Options.withDescription("record message trace (Java's format) in the trace topic, for `mqadmin queryMsgTraceById`")
)

/** `--trace-topic`: where trace records go (Java: `customizedTraceTopic`). */
export const traceTopicOption = Options.text("trace-topic").pipe(
  Options.withDescription(describedWithDefault("the topic trace records go to, with --trace", "RMQ_SYS_TRACE_TOPIC")),
  Options.optional
)

/** The message trace settings of `--trace` and `--trace-topic`, the topic checked as Java checks a topic. */
export const traceSettings = (trace: boolean, traceTopic: Option.Option<string>) =>
  Option.match(traceTopic, {
    onNone: () => Either.right({ enableMsgTrace: trace }),
    onSome: (topic) => Either.map(checkTopicName(topic), (t) => ({ enableMsgTrace: trace, customizedTraceTopic: t }))
  })

/** `--count N`: exit after this many messages (optional: no limit). */
export const countOption = integerOption("count", "exit after this many messages (default: no limit)", {
  min: 1,
  max: Number.MAX_SAFE_INTEGER,
  what: "a whole number of messages, 1 or more"
}).pipe(Options.optional)

/** `--timeout SECONDS` (30 by default), described as given. */
export const timeoutOption = (description: string) =>
  integerOption("timeout", describedWithDefault(description, 30), {
    min: 1,
    max: 2_147_483,
    what: "a whole number of seconds from 1 to 2147483"
  }).pipe(Options.withDefault(30))
