// The in-process fuzz targets: the frame splitter (with the transport's own read path) and the decoders. Every call
// must end with a value or a typed error: a throw, a non-Either answer or an untyped failure is a crash, a call
// slower than the hang bound is a hang, and two paths that should agree but do not are a mismatch.
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import { decodeBody } from "../src/protocol/bodies/Body.js"
import {
  ConsumerListBody,
  LockBatchRequestBody,
  LockBatchResponseBody
} from "../src/protocol/bodies/ConsumerGroupBodies.js"
import { ConsumerRunningInfo } from "../src/protocol/bodies/ConsumerRunningInfo.js"
import { HeartbeatData } from "../src/protocol/bodies/HeartbeatData.js"
import { ConsumeMessageDirectlyResult, parseOffsetTable } from "../src/protocol/bodies/OffsetTableBody.js"
import { ClusterInfo, TopicRouteData } from "../src/protocol/bodies/TopicRouteData.js"
import { parseFastJson } from "../src/protocol/FastJson.js"
import { inspectCommand } from "../src/protocol/FrameInspection.js"
import { FrameSplitter } from "../src/protocol/FrameSplitter.js"
import * as Client from "../src/protocol/headers/ClientHeaders.js"
import { type CommandHeader, decodeHeader } from "../src/protocol/headers/CommandHeader.js"
import * as Consume from "../src/protocol/headers/ConsumeHeaders.js"
import * as Send from "../src/protocol/headers/SendHeaders.js"
import * as Transaction from "../src/protocol/headers/TransactionHeaders.js"
import { decodeBatch } from "../src/protocol/MessageBatch.js"
import { decodeMessages, messageKeys, messageTags } from "../src/protocol/MessageDecoder.js"
import { decodeOffsetMessageId, uniqueIdHost, uniqueIdTimestamp } from "../src/protocol/MessageId.js"
import { stringToProperties } from "../src/protocol/MessageProperties.js"
import { ProtocolError } from "../src/protocol/ProtocolError.js"
import {
  decodeCommand,
  decodeFrame,
  decodeFrameOrError,
  type RemotingCommand
} from "../src/protocol/RemotingCommand.js"
import { type FuzzFrame, fuzzFrame, inStep, Rng } from "./FrameMutations.js"
import type { SeedFrame } from "./FuzzSeeds.js"
import { describeError, emptyTally, finding, type Tally } from "./FuzzTally.js"

/** The frame being worked on, for findings. */
interface Context {
  readonly tally: Tally
  readonly index: number
  readonly input: FuzzFrame
}

const crash = (ctx: Context, what: string) => {
  ctx.tally.crashes++
  ctx.tally.firstCrash ??= finding(ctx.tally.target, ctx.index, what, ctx.input)
}

const mismatch = (ctx: Context, what: string) => {
  ctx.tally.mismatches++
  ctx.tally.firstMismatch ??= finding(ctx.tally.target, ctx.index, what, ctx.input)
}

const isProtocolError = (e: unknown): boolean => e instanceof ProtocolError
const isParseError = (e: unknown): boolean => ParseResult.isParseError(e)
const isText = (e: unknown): boolean => typeof e === "string"

/** Runs a decoder answering an Either and checks that it ends with a value or a typed error (undefined: a crash). */
const attempt = <A>(ctx: Context, name: string, run: () => Either.Either<A, unknown>, typed = isProtocolError) => {
  let result: unknown
  try {
    result = run()
  } catch (e) {
    crash(ctx, `${name} threw ${describeError(e)}`)
    return undefined
  }
  if (!Either.isEither(result)) {
    crash(ctx, `${name} answered ${typeof result}, not an Either`)
    return undefined
  }
  if (Either.isRight(result)) {
    ctx.tally.ok++
    return result as Either.Either<A, unknown>
  }
  const left: unknown = result.left
  if (!typed(left)) crash(ctx, `${name} failed with an untyped ${describeError(left)}`)
  else {
    ctx.tally.typed++
    if (left instanceof ProtocolError && left.offset === -1) {
      ctx.tally.masked++
      ctx.tally.firstMasked ??= finding(ctx.tally.target, ctx.index, `${name}: ${left.reason}`, ctx.input)
    }
  }
  return result as Either.Either<A, unknown>
}

/** {@link attempt}, answering the value only. */
const probe = <A>(ctx: Context, name: string, run: () => Either.Either<A, unknown>, typed = isProtocolError) => {
  const result = attempt(ctx, name, run, typed)
  return result !== undefined && Either.isRight(result) ? result.right : undefined
}

/** Runs a function that cannot fail (only throw). */
const probeValue = <A>(ctx: Context, name: string, run: () => A): A | undefined => {
  try {
    return run()
  } catch (e) {
    crash(ctx, `${name} threw ${describeError(e)}`)
    return undefined
  }
}

type AnyHeader = (extFields: RemotingCommand["extFields"]) => Either.Either<unknown, ParseResult.ParseError>
const h = <A>(header: CommandHeader<A>): AnyHeader => (extFields) => decodeHeader(header, extFields)
const requestHeaders: Record<number, AnyHeader> = {
  10: h(Send.SendMessageRequestHeader),
  11: h(Consume.PullMessageRequestHeader),
  14: h(Consume.QueryConsumerOffsetRequestHeader),
  15: h(Consume.UpdateConsumerOffsetRequestHeader),
  17: h(Client.CreateTopicRequestHeader),
  29: h(Consume.SearchOffsetRequestHeader),
  30: h(Consume.GetMaxOffsetRequestHeader),
  31: h(Consume.GetMinOffsetRequestHeader),
  32: h(Consume.GetEarliestMsgStoretimeRequestHeader),
  35: h(Client.UnregisterClientRequestHeader),
  36: h(Send.ConsumerSendMsgBackRequestHeader),
  37: h(Transaction.EndTransactionRequestHeader),
  38: h(Client.GetConsumerListByGroupRequestHeader),
  39: h(Transaction.CheckTransactionStateRequestHeader),
  40: h(Client.NotifyConsumerIdsChangedRequestHeader),
  105: h(Client.GetRouteInfoRequestHeader),
  220: h(Client.ResetOffsetRequestHeader),
  221: h(Client.GetConsumerStatusRequestHeader),
  307: h(Client.GetConsumerRunningInfoRequestHeader),
  309: h(Client.ConsumeMessageDirectlyResultRequestHeader),
  310: h(Send.SendMessageRequestHeaderV2),
  320: h(Send.SendMessageRequestHeaderV2),
  361: h(Consume.PullMessageRequestHeader)
}
const responseHeaders: Record<number, AnyHeader> = {
  10: h(Send.SendMessageResponseHeader),
  11: h(Consume.PullMessageResponseHeader),
  14: h(Consume.QueryConsumerOffsetResponseHeader),
  29: h(Consume.OffsetResponseHeader),
  30: h(Consume.OffsetResponseHeader),
  31: h(Consume.OffsetResponseHeader),
  32: h(Consume.GetEarliestMsgStoretimeResponseHeader),
  310: h(Send.SendMessageResponseHeader),
  320: h(Send.SendMessageResponseHeader),
  361: h(Consume.PullMessageResponseHeader)
}
const allHeaders = [...new Set([...Object.values(requestHeaders), ...Object.values(responseHeaders)])]

type BodyDecoder = readonly [string, (body: Buffer) => Either.Either<unknown, unknown>, (e: unknown) => boolean]
const bodyDecoders: Record<string, BodyDecoder> = {
  route: ["TopicRouteData", (b) => decodeBody(TopicRouteData, b), isProtocolError],
  cluster: ["ClusterInfo", (b) => decodeBody(ClusterInfo, b), isProtocolError],
  heartbeat: ["HeartbeatData", (b) => decodeBody(HeartbeatData, b), isProtocolError],
  consumers: ["ConsumerListBody", (b) => decodeBody(ConsumerListBody, b), isProtocolError],
  lock: ["LockBatchRequestBody", (b) => decodeBody(LockBatchRequestBody, b), isProtocolError],
  locked: ["LockBatchResponseBody", (b) => decodeBody(LockBatchResponseBody, b), isProtocolError],
  running: ["ConsumerRunningInfo", (b) => decodeBody(ConsumerRunningInfo, b), isProtocolError],
  direct: ["ConsumeMessageDirectlyResult", (b) => decodeBody(ConsumeMessageDirectlyResult, b), isProtocolError],
  offsets: ["parseOffsetTable", (b) => parseOffsetTable(b.toString("utf8")), isText],
  json: ["parseFastJson", (b) => parseFastJson(b.toString("utf8")), isProtocolError]
}
const allBodies = Object.values(bodyDecoders)
const requestBodies: Record<number, BodyDecoder> = {
  34: bodyDecoders.heartbeat!,
  41: bodyDecoders.lock!,
  42: bodyDecoders.lock!,
  220: bodyDecoders.offsets!
}
const responseBodies: Record<number, BodyDecoder> = {
  38: bodyDecoders.consumers!,
  41: bodyDecoders.locked!,
  105: bodyDecoders.route!,
  106: bodyDecoders.cluster!,
  307: bodyDecoders.running!,
  309: bodyDecoders.direct!
}

const ID_FIELDS = ["msgId", "offsetMsgId", "transactionId", "UNIQ_KEY", "k"]

const probeIds = (ctx: Context, id: string) => {
  probe(ctx, "decodeOffsetMessageId", () => decodeOffsetMessageId(id))
  probe(ctx, "uniqueIdTimestamp", () => uniqueIdTimestamp(id, 1_795_523_350_695))
  probe(ctx, "uniqueIdHost", () => uniqueIdHost(id))
}

/** Every decoder a command meets: header by code, bodies, records, message ids and the frame inspector. */
const decodeParts = (ctx: Context, command: RemotingCommand, seed: SeedFrame | undefined, rng: Rng) => {
  const response = (command.flag & 1) === 1
  const requestCode = response ? seed?.requestCode ?? command.code : command.code
  probeValue(ctx, "inspectCommand", () => inspectCommand(command))
  const header = (response ? responseHeaders : requestHeaders)[requestCode]
  for (const decode of header === undefined ? [rng.pick(allHeaders)] : [header, rng.pick(allHeaders)]) {
    probe(ctx, "decodeHeader", () => decode(command.extFields), isParseError)
  }
  const ext = command.extFields ?? {}
  for (const key of ID_FIELDS) if (ext[key] !== undefined) probeIds(ctx, ext[key])
  for (const key of ["properties", "i"]) {
    if (ext[key] !== undefined) probeValue(ctx, "stringToProperties", () => stringToProperties(ext[key]!))
  }
  const body = command.body === undefined ? undefined : Buffer.from(command.body)
  if (body === undefined) return
  const messages = probe(ctx, "decodeMessages", () => decodeMessages(body))
  for (const m of messages?.slice(0, 4) ?? []) {
    probeIds(ctx, m.offsetMsgId)
    probeIds(ctx, m.msgId)
    probeValue(ctx, "messageKeys", () => [messageTags(m), messageKeys(m)])
  }
  probe(ctx, "decodeMessages(no decompression)", () => decodeMessages(body, { decompress: false }))
  probe(ctx, "decodeBatch", () => decodeBatch(body))
  const known = (response ? responseBodies : requestBodies)[requestCode]
  for (const [name, decode, typed] of known === undefined ? [rng.pick(allBodies)] : [known, rng.pick(allBodies)]) {
    probe(ctx, name, () => decode(body), typed)
  }
}

const sameCommand = (a: RemotingCommand, b: RemotingCommand): boolean =>
  a.code === b.code && a.language === b.language && a.version === b.version && a.opaque === b.opaque &&
  a.flag === b.flag && a.remark === b.remark && a.serializeType === b.serializeType &&
  JSON.stringify(a.extFields) === JSON.stringify(b.extFields) &&
  (a.body === undefined ? b.body === undefined : b.body !== undefined && Buffer.from(a.body).equals(b.body))

/**
 * Whether two decodings agree; `shift` is how much further `a` counts its error offsets (its base), and then the
 * positions in the reasons differ too.
 */
const sameOutcome = (a: RemotingCommand | ProtocolError, b: RemotingCommand | ProtocolError, shift = 0): boolean =>
  a instanceof ProtocolError || b instanceof ProtocolError
    ? a instanceof ProtocolError && b instanceof ProtocolError &&
      (shift === 0 ? a.reason === b.reason : a.reason.replace(/\d+/g, "#") === b.reason.replace(/\d+/g, "#")) &&
      (a.offset === b.offset + shift || (a.offset === -1 && b.offset === -1))
    : sameCommand(a, b)

const outcome = (e: Either.Either<RemotingCommand, ProtocolError>) => Either.isLeft(e) ? e.left : e.right

/** The decoders target: the frame decoded whole and without its prefix (they must agree), then every part of it. */
export const decodersTarget = (ctx: Context, rng: Rng): void => {
  const bytes = ctx.input.bytes
  const whole = attempt(ctx, "decodeCommand", () => decodeCommand(bytes)) as
    | Either.Either<RemotingCommand, ProtocolError>
    | undefined
  if (bytes.length < 4) return
  const alone = attempt(ctx, "decodeFrame", () => decodeFrame(bytes.subarray(4))) as
    | Either.Either<RemotingCommand, ProtocolError>
    | undefined
  if (whole !== undefined && alone !== undefined && inStep(bytes) && !sameOutcome(outcome(whole), outcome(alone), 4)) {
    mismatch(ctx, "decodeCommand and decodeFrame disagree")
  }
  const command = (whole && Either.getOrUndefined(whole)) ?? (alone && Either.getOrUndefined(alone))
  if (command !== undefined) decodeParts(ctx, command, ctx.input.seed, rng)
}

/** Cuts a stream into chunks: one byte at a time, or random sizes up to 16, 256 or 4096 bytes. */
const chunksOf = (stream: Buffer, rng: Rng): Array<Buffer> => {
  const mode = rng.int(20)
  const most = mode === 0 && stream.length <= 2048 ? 1 : [16, 256, 4096][mode % 3]!
  const out: Array<Buffer> = []
  for (let i = 0; i < stream.length;) {
    const n = 1 + rng.int(most)
    out.push(stream.subarray(i, i + n))
    i += n
  }
  return out
}

/**
 * Reads a stream as the transport does: split with `pushEach`, each frame decoded where it lies with
 * `decodeFrameOrError`, which must agree with `decodeFrame` of a copy; the reading stops at a frame that does not
 * decode or at a splitter error, as the connection closes then. Answers what was read, as text.
 */
const readStream = (ctx: Context, maxFrame: number, chunks: ReadonlyArray<Buffer>): Array<string> => {
  const splitter = new FrameSplitter(maxFrame)
  const read: Array<string> = []
  let stopped = false
  const onFrame = (buffer: Buffer, start: number, end: number): boolean => {
    const inPlace = decodeFrameOrError(buffer, start, 0, end)
    const copy = outcome(decodeFrame(Buffer.from(buffer.subarray(start, end))))
    if (!sameOutcome(inPlace, copy)) mismatch(ctx, "decodeFrameOrError in place and decodeFrame of a copy disagree")
    if (inPlace instanceof ProtocolError) {
      ctx.tally.typed++
      read.push(`error ${inPlace.offset} ${inPlace.reason}`)
      stopped = true
      return false
    }
    ctx.tally.ok++
    read.push(`${inPlace.code}/${inPlace.opaque}/${inPlace.flag}/${end - start}`)
    return true
  }
  for (const chunk of chunks) {
    const failure = splitter.pushEach(chunk, onFrame)
    if (failure !== undefined) {
      if (!(failure instanceof ProtocolError)) crash(ctx, `pushEach answered ${describeError(failure)}`)
      ctx.tally.typed++
      read.push(`split error ${failure.offset} ${failure.reason}`)
      break
    }
    if (stopped) break
    if (splitter.pending < 0) mismatch(ctx, `the splitter holds ${splitter.pending} bytes`)
  }
  return read
}

/** The splitter target: the frame between captured frames, read in one chunk and in random chunks (must agree). */
export const splitterTarget = (ctx: Context, rng: Rng, seeds: ReadonlyArray<SeedFrame>): void => {
  const parts: Array<Buffer> = []
  if (rng.chance(0.5)) parts.push(rng.pick(seeds).bytes)
  parts.push(ctx.input.bytes)
  if (rng.chance(0.5)) parts.push(rng.pick(seeds).bytes)
  const stream = Buffer.concat(parts)
  const maxFrame = rng.chance(0.1) ? 64 + rng.int(2048) : 16 * 1024 * 1024
  const whole = readStream(ctx, maxFrame, [stream]).join("\n")
  const chunked = readStream(ctx, maxFrame, chunksOf(stream, rng)).join("\n")
  if (whole !== chunked) mismatch(ctx, "one chunk and many chunks read differently")
}

export type SyncTarget = "splitter" | "decoders"

/**
 * Feeds inputs [from, to) of the run `seed` to a target, timing each: one slower than `hangMillis`, twice, is a hang.
 * `onFrame` is told each input's index before it is fed (a watchdog's progress mark).
 */
export const runSync = (
  target: SyncTarget,
  seeds: ReadonlyArray<SeedFrame>,
  seed: number,
  from: number,
  to: number,
  hangMillis: number,
  onFrame?: (index: number) => void
): Tally => {
  const tally = emptyTally(target)
  /** Feeds input `index`, counting into `into`; answers how long it took. */
  const feed = (index: number, input: FuzzFrame, into: Tally) => {
    const ctx: Context = { tally: into, index, input }
    const rng = new Rng(seed ^ 0x2545f491, index)
    const started = performance.now()
    try {
      if (target === "splitter") splitterTarget(ctx, rng, seeds)
      else decodersTarget(ctx, rng)
    } catch (e) {
      crash(ctx, `the ${target} target threw ${describeError(e)}`)
    }
    return performance.now() - started
  }
  for (let index = from; index < to; index++) {
    const input = fuzzFrame(seeds, seed, index)
    onFrame?.(index)
    const ms = feed(index, input, tally)
    tally.frames++
    tally.busyMs += ms
    if (ms > tally.slowestMs) {
      tally.slowestMs = ms
      tally.slowestIndex = index
    }
    // An input over the bound is fed again (counting nowhere): a pause of the machine's is not the input's doing.
    if (ms > hangMillis) {
      const again = feed(index, input, emptyTally(target))
      if (again > hangMillis) {
        tally.hangs++
        tally.firstHang ??= finding(target, index, `took ${ms.toFixed(0)} ms, and ${again.toFixed(0)} ms again`, input)
      }
    }
  }
  return tally
}

/** Decodes what a live connection handed to a request handler, counting into `tally`. */
export const decodeReceived = (tally: Tally, index: number, command: RemotingCommand, seed: number): void => {
  const input: FuzzFrame = { bytes: Buffer.alloc(0), seed: undefined, how: "a request the live peer sent" }
  decodeParts({ tally, index, input }, command, undefined, new Rng(seed ^ 0x68e31da4, index))
}
