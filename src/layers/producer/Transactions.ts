import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { decodeHeader, encodeHeader } from "../../protocol/headers/CommandHeader.js"
import {
  CheckTransactionStateRequestHeader,
  EndTransactionRequestHeader
} from "../../protocol/headers/TransactionHeaders.js"
import { MessageConst } from "../../protocol/MessageConst.js"
import { decodeMessages } from "../../protocol/MessageDecoder.js"
import { decodeOffsetMessageId } from "../../protocol/MessageId.js"
import { MessageSysFlag } from "../../protocol/MessageSysFlag.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { checkMessage, messageProperties } from "../../services/Message.js"
import type { LocalTransactionState, ProducerService, TransactionChecker } from "../../services/Producer.js"
import type { RemotingClientService } from "../../services/RemotingClient.js"
import type { RequestHandlersService } from "../../services/RequestHandlers.js"
import { messageToWire, resultFromWire } from "./ProducerNamespace.js"
import { type SendContext, sendDefaultImpl } from "./SendDefaultImpl.js"
import { messageRequest } from "./SendMessageRequest.js"
import { type SendTracer, tracedMessage, traceEndTransaction } from "./SendTrace.js"

/** END_TRANSACTION, oneway, to the broker holding the half message (Java: `endTransactionOneway`). */
const endTransaction = (
  client: RemotingClientService,
  group: string,
  address: string,
  fields: {
    readonly tranStateTableOffset: number
    readonly commitLogOffset: number
    readonly msgId: string
    readonly transactionId: string | undefined
    readonly state: LocalTransactionState
    readonly fromTransactionCheck: boolean
  }
) =>
  Effect.flatMap(
    Effect.orDie(encodeHeader(EndTransactionRequestHeader, {
      producerGroup: group,
      tranStateTableOffset: fields.tranStateTableOffset,
      commitLogOffset: fields.commitLogOffset,
      commitOrRollback: fields.state === "COMMIT_MESSAGE"
        ? MessageSysFlag.TRANSACTION_COMMIT_TYPE
        : fields.state === "ROLLBACK_MESSAGE"
        ? MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
        : MessageSysFlag.TRANSACTION_NOT_TYPE,
      fromTransactionCheck: fields.fromTransactionCheck,
      msgId: fields.msgId,
      transactionId: fields.transactionId
    })),
    (extFields) => client.invokeOneway(address, request(RequestCode.END_TRANSACTION, extFields, { oneway: true }))
  )

/**
 * Sends a half message, runs the local transaction once it is stored, and ends the transaction with the local
 * state (Java: `TransactionMQProducer.sendMessageInTransaction`); a local transaction that fails leaves the state
 * UNKNOW, for the broker's check-back.
 *
 * @since 0.1.0
 * @category producer
 */
export const makeSendInTransaction = (
  context: SendContext,
  nextMsgId: () => string
): ProducerService["sendInTransaction"] =>
(given, executeLocal) =>
  Effect.gen(function*() {
    const { client, publishInfo, settings } = context
    yield* checkMessage(given, settings.maxMessageSize)
    const message = messageToWire(settings.namespace, given)
    const uniqueId = nextMsgId()
    const sent = yield* sendDefaultImpl(
      context,
      message.topic,
      () => undefined,
      messageRequest(settings, context.clock, message, uniqueId, false, true),
      uniqueId,
      undefined,
      tracedMessage(context.trace, given, message.topic, true)
    )
    const state: LocalTransactionState = sent.sendStatus === "SEND_OK"
      ? yield* executeLocal(given, resultFromWire(sent)).pipe(
        Effect.catchAllCause((cause) =>
          Effect.as(
            Effect.logWarning("the local transaction failed; it is left to the check-back", cause),
            "UNKNOW" as const
          )
        )
      )
      : "ROLLBACK_MESSAGE"
    const address = yield* publishInfo.brokerOf(sent.messageQueue)
    const { commitLogOffset } = yield* Effect.orDie(decodeOffsetMessageId(sent.offsetMsgId))
    yield* endTransaction(client, settings.group, address, {
      tranStateTableOffset: sent.queueOffset,
      commitLogOffset,
      msgId: sent.msgId,
      transactionId: sent.transactionId ?? sent.msgId,
      state,
      fromTransactionCheck: false
    }).pipe(
      Effect.zipRight(
        Effect.suspend(() =>
          context.trace === undefined ? Effect.void : traceEndTransaction(context.trace, {
            topic: message.topic,
            properties: messageProperties(message),
            address,
            msgId: sent.msgId,
            transactionId: uniqueId,
            state,
            fromTransactionCheck: false
          }) ?? Effect.void
        )
      ),
      Effect.catchAll((error) => Effect.logWarning("END_TRANSACTION failed; the broker will check back", error))
    )
    return resultFromWire({ ...sent, localTransactionState: state })
  })

/**
 * Answers the broker's CHECK_TRANSACTION_STATE about a transaction of this group left unknown, with the checker's
 * state (Java: `ClientRemotingProcessor.checkTransactionState`), for as long as the scope lives.
 *
 * @since 0.1.0
 * @category producer
 */
export const registerTransactionChecker = (
  handlers: RequestHandlersService,
  client: RemotingClientService,
  group: string,
  checker: TransactionChecker,
  trace?: SendTracer | undefined
): Effect.Effect<void, never, Scope.Scope> =>
  handlers.register(RequestCode.CHECK_TRANSACTION_STATE, (command, context) =>
    Effect.gen(function*() {
      const header = yield* decodeHeader(CheckTransactionStateRequestHeader, command.extFields)
      const [message] = yield* decodeMessages(command.body ?? new Uint8Array(0))
      if (message === undefined || message.properties[MessageConst.PGROUP] !== group) return undefined
      const state = yield* checker(message).pipe(Effect.catchAllCause(() => Effect.succeed("UNKNOW" as const)))
      const msgId = message.properties[MessageConst.UNIQ_KEY] ?? message.msgId
      yield* endTransaction(client, group, context.address, {
        tranStateTableOffset: header.tranStateTableOffset,
        commitLogOffset: header.commitLogOffset,
        msgId: header.msgId ?? message.msgId,
        transactionId: header.transactionId,
        state,
        fromTransactionCheck: true
      })
      if (trace !== undefined) {
        yield* traceEndTransaction(trace, {
          topic: message.topic,
          properties: message.properties,
          address: context.address,
          msgId,
          transactionId: message.properties[MessageConst.UNIQ_KEY] || undefined,
          state,
          fromTransactionCheck: true
        }) ?? Effect.void
      }
      return undefined
    }).pipe(
      Effect.catchAll((error) => Effect.as(Effect.logWarning("cannot answer a transaction check", error), undefined)),
      Effect.annotateLogs({ group, address: context.address })
    ))
