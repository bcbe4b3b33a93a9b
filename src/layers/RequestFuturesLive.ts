import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { decompressBody } from "../protocol/Compression.js"
import { decodeHeader } from "../protocol/headers/CommandHeader.js"
import { ReplyMessageRequestHeader } from "../protocol/headers/SendHeaders.js"
import { type HostAddress, parseHostAddress } from "../protocol/HostAddress.js"
import { MessageConst } from "../protocol/MessageConst.js"
import type { MessageExt } from "../protocol/MessageDecoder.js"
import { stringToProperties } from "../protocol/MessageProperties.js"
import { compressionType, MessageSysFlag } from "../protocol/MessageSysFlag.js"
import { response } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { RequestClosedError, RequestFutures, type RequestFuturesService } from "../services/RequestFutures.js"
import { RequestHandlers } from "../services/RequestHandlers.js"

/** A host as the broker writes it in a reply's header: `ip:port`, or Java's `InetSocketAddress` text `host/ip:port`. */
const hostOf = (text: string): HostAddress =>
  parseHostAddress(text.slice(text.lastIndexOf("/") + 1)) ?? { host: "0.0.0.0", port: 0 }

/** The body as sent, inflated when its sys flag says it is compressed (left as it is when it cannot be). */
const bodyOf = (sysFlag: number, body: Uint8Array): Uint8Array => {
  const type = (sysFlag & MessageSysFlag.COMPRESSED) === 0 ? undefined : compressionType(sysFlag) ?? "ZLIB"
  return type === undefined ? body : Either.getOrElse(Either.try(() => decompressBody(type, body)), () => body)
}

/**
 * The reply a broker pushed (Java: `ClientRemotingProcessor.receiveReplyMessage`): a message made of the header's
 * fields and the body, its properties with ARRIVE_TIME (the time it came) added.
 *
 * @since 0.1.0
 * @category layers
 */
export const replyMessageOf = (header: ReplyMessageRequestHeader, body: Uint8Array, arrived: number): MessageExt => {
  const properties: Record<string, string> = {
    ...stringToProperties(header.properties ?? ""),
    [MessageConst.ARRIVE_TIME]: String(arrived)
  }
  return {
    topic: header.topic,
    flag: header.flag,
    properties,
    body: bodyOf(header.sysFlag, body),
    queueId: header.queueId,
    storeSize: 0,
    queueOffset: 0,
    sysFlag: header.sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: hostOf(header.bornHost),
    storeTimestamp: header.storeTimestamp,
    storeHost: hostOf(header.storeHost),
    commitLogOffset: 0,
    bodyCRC: 0,
    reconsumeTimes: header.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0,
    magicCode: 0,
    msgId: properties[MessageConst.UNIQ_KEY] ?? "",
    offsetMsgId: ""
  }
}

/**
 * The pending-request table of a client instance (Java: `RequestFutureHolder`), and its handler of
 * PUSH_REPLY_MESSAGE_TO_CLIENT (Java: `ClientRemotingProcessor.receiveReplyMessage`): a reply completes the request
 * of its CORRELATION_ID; one that no request waits for (it timed out, or its requester left) is logged once and
 * dropped. Every answer is SUCCESS, as Java's. Closing the layer ends the requests still waiting with a
 * `RequestClosedError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RequestFutures, never, RequestHandlers> = Layer.scoped(
  RequestFutures,
  Effect.gen(function*() {
    const table = new Map<
      string,
      { readonly owner: string; readonly reply: Deferred.Deferred<MessageExt, RequestClosedError> }
    >()

    const end = (keep: (owner: string) => boolean, closed: "producer" | "client") =>
      Effect.forEach([...table], ([correlationId, pending]) =>
        keep(pending.owner)
          ? Effect.void
          : Effect.zipRight(
            Effect.sync(() => table.delete(correlationId)),
            Deferred.fail(pending.reply, new RequestClosedError({ correlationId, closed }))
          ), { discard: true })
    yield* Effect.addFinalizer(() => end(() => false, "client"))

    const service: RequestFuturesService = {
      register: (correlationId, owner) =>
        Effect.acquireRelease(
          Effect.tap(Deferred.make<MessageExt, RequestClosedError>(), (reply) =>
            Effect.sync(() => table.set(correlationId, { owner, reply }))),
          () =>
            Effect.sync(() => table.delete(correlationId))
        ),
      complete: (reply) =>
        Effect.suspend(() => {
          const correlationId = reply.properties[MessageConst.CORRELATION_ID] ?? ""
          const pending = table.get(correlationId)
          if (pending === undefined) return Effect.succeed(false)
          table.delete(correlationId)
          return Deferred.succeed(pending.reply, reply)
        }),
      closeOwner: (owner) => end((o) => o !== owner, "producer"),
      pending: Effect.sync(() => table.size)
    }

    const handlers = yield* RequestHandlers
    yield* handlers.register(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (command, context) => {
      const header = decodeHeader(ReplyMessageRequestHeader, command.extFields)
      if (Either.isLeft(header)) {
        return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "process reply message fail" }))
      }
      return Effect.gen(function*() {
        const reply = replyMessageOf(header.right, command.body ?? new Uint8Array(0), yield* Clock.currentTimeMillis)
        if (!(yield* service.complete(reply))) {
          yield* Effect.logWarning("receive reply message, but not matched any request").pipe(
            Effect.annotateLogs({
              correlationId: reply.properties[MessageConst.CORRELATION_ID] ?? "",
              bornHost: header.right.bornHost,
              address: context.address
            })
          )
        }
        return response(command, ResponseCode.SUCCESS)
      })
    })
    return service
  })
)
