// Options and checks shared by the CLI's commands: validated numbers, name-server lists, names, and the errors a
// command fails with before any work is done.
import { HelpDoc, Options, ValidationError } from "@effect/cli"
import { Config, Data, Effect, Either, Option } from "effect"
import { parseHostAddress } from "../protocol/HostAddress.js"
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

/** Java: `Validators.CHARACTER_MAX_LENGTH`, the longest group name. */
const GROUP_MAX_LENGTH = 255

/** Checks a topic name as Java's client does. */
export const checkTopicName = (topic: string) =>
  Either.mapLeft(checkTopic(topic), (e) => new InvalidNameError({ kind: "topic", name: topic, reason: e.reason }))

/** Checks a group name as Java's client does (Java: `Validators.checkGroup`). */
export const checkGroupName = (group: string): Either.Either<string, InvalidNameError> => {
  const fail = (reason: string) => Either.left(new InvalidNameError({ kind: "group", name: group, reason }))
  if (group.trim().length === 0) return fail("the group name is blank")
  if (group.length > GROUP_MAX_LENGTH) return fail(`longer than ${GROUP_MAX_LENGTH} characters`)
  if (!/^[%|a-zA-Z0-9_-]+$/.test(group)) return fail("contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$")
  return Either.right(group)
}

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
