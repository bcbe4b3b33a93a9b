import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { inspectCommand } from "../protocol/FrameInspection.js"
import { FrameSplitter } from "../protocol/FrameSplitter.js"
import { decodeFrame } from "../protocol/RemotingCommand.js"

/** Some inputs of `decode` were not frames; each was reported on stderr. */
export class DecodeInputError extends Data.TaggedError("DecodeInputError")<{ readonly failures: number }> {
  override get message(): string {
    return `${this.failures} input(s) could not be decoded`
  }
}

const hexArgs = Args.text({ name: "hex" }).pipe(
  Args.withDescription("a frame as hex, length prefix included (several may follow each other)"),
  Args.repeated
)
const fileOption = Options.file("file").pipe(
  Options.withDescription("read frames from a binary file (a raw TCP stream: frames back to back)"),
  Options.optional
)
const binaryOption = Options.boolean("binary").pipe(
  Options.withDescription("read stdin as raw bytes instead of hex lines")
)

/** Decodes every frame of one input and prints one JSON line per command; failures go to stderr. */
const decodeInput = (label: string, bytes: Uint8Array, failures: Ref.Ref<number>) =>
  Effect.gen(function*() {
    const splitter = new FrameSplitter()
    const report = (error: { readonly reason: string; readonly offset: number }) =>
      Ref.update(failures, (n) => n + 1).pipe(
        Effect.zipRight(Console.error(JSON.stringify({ input: label, error: error.reason, offset: error.offset })))
      )
    const frames = splitter.push(bytes)
    if (Either.isLeft(frames)) return yield* report(frames.left)
    let offset = 0
    for (const frame of frames.right) {
      const command = decodeFrame(frame, offset + 4)
      offset += frame.length + 4
      if (Either.isLeft(command)) yield* report(command.left)
      else yield* Console.log(JSON.stringify(inspectCommand(command.right)))
    }
    if (splitter.pending > 0) {
      yield* report({ reason: `an incomplete frame: ${splitter.pending} byte(s) after the last whole one`, offset })
    }
  })

/** A hex line, or a line of a captured-frames file (a JSON object with a `hex` field). */
const hexOfLine = (line: string): Either.Either<Buffer, { readonly reason: string; readonly offset: number }> => {
  let text = line.trim()
  if (text.startsWith("{")) {
    const parsed = Either.try(() => JSON.parse(text) as { readonly hex?: unknown })
    if (Either.isLeft(parsed) || typeof parsed.right.hex !== "string") {
      return Either.left({ reason: "a JSON line without a hex field", offset: 0 })
    }
    text = parsed.right.hex
  }
  text = text.replace(/^0x/i, "").replace(/\s+/g, "")
  const bad = text.search(/[^0-9a-fA-F]/)
  if (bad >= 0) return Either.left({ reason: `not hex: ${JSON.stringify(text[bad])}`, offset: bad })
  if (text.length % 2 === 1) return Either.left({ reason: "an odd number of hex digits", offset: text.length })
  return Either.right(Buffer.from(text, "hex"))
}

const decodeHexLine = (label: string, line: string, failures: Ref.Ref<number>) =>
  Either.match(hexOfLine(line), {
    onLeft: (error) =>
      Ref.update(failures, (n) => n + 1).pipe(
        Effect.zipRight(Console.error(JSON.stringify({ input: label, error: error.reason, offset: error.offset })))
      ),
    onRight: (bytes) => decodeInput(label, bytes, failures)
  })

/**
 * `effect-rocketmq decode`: the frame inspector. Reads frames as hex (arguments, or stdin one a line; lines of a
 * captured-frames `.jsonl` file work too) or as a binary stream (`--file`, or stdin with `--binary`), and prints each
 * command as one JSON line with Java's field names, message records decoded.
 */
export const decodeCommand = Command.make(
  "decode",
  { hex: hexArgs, file: fileOption, binary: binaryOption },
  ({ binary, file, hex }) =>
    Effect.gen(function*() {
      const failures = yield* Ref.make(0)
      if (Option.isSome(file)) {
        const fs = yield* FileSystem.FileSystem
        yield* decodeInput(file.value, yield* fs.readFile(file.value), failures)
      } else if (hex.length > 0) {
        yield* Effect.forEach(hex, (h, i) => decodeHexLine(`argument ${i + 1}`, h, failures), { discard: true })
      } else if (binary) {
        const chunks = yield* Stream.runCollect(NodeStream.stdin)
        yield* decodeInput("stdin", Buffer.concat([...chunks]), failures)
      } else {
        yield* NodeStream.stdin.pipe(
          Stream.decodeText(),
          Stream.splitLines,
          Stream.zipWithIndex,
          Stream.filter(([line]) => line.trim().length > 0),
          Stream.runForEach(([line, i]) => decodeHexLine(`line ${i + 1}`, line, failures))
        )
      }
      const failed = yield* Ref.get(failures)
      if (failed > 0) return yield* new DecodeInputError({ failures: failed })
    })
).pipe(Command.withDescription("Decode RocketMQ remoting frames into JSON lines (the frame inspector)"))
