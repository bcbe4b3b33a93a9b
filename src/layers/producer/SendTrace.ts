import type * as Clock from "effect/Clock"
import type * as Effect from "effect/Effect"
import { MessageConst } from "../../protocol/MessageConst.js"
import type { MessageProperties } from "../../protocol/MessageProperties.js"
import type { RemotingCommand } from "../../protocol/RemotingCommand.js"
import type { TraceMessageType } from "../../protocol/TraceData.js"
import type { Message } from "../../services/Message.js"
import { withoutNamespace } from "../../services/Namespace.js"
import type { LocalTransactionState, SendResult } from "../../services/Producer.js"
import type { TraceDispatcherService } from "../../services/TraceDispatcher.js"

/**
 * A producer's message trace (Java: `SendMessageTraceHookImpl` and `EndTransactionTraceHookImpl` with their
 * dispatcher): where its records go, and its group as records name it (without the namespace).
 *
 * @since 0.1.0
 * @category producer
 */
export interface SendTracer {
  readonly dispatcher: TraceDispatcherService
  readonly traceTopic: string
  readonly group: string
  readonly clock: Clock.Clock
}

/**
 * What a Pub record says of the message sent (Java: `SendMessageTraceHookImpl.sendMessageBefore`).
 *
 * @since 0.1.0
 * @category producer
 */
export interface TracedMessage {
  readonly tags: string | undefined
  readonly keys: string | undefined
  readonly msgType: TraceMessageType
}

const keysOf = (keys: ReadonlyArray<string> | undefined) =>
  keys === undefined || keys.length === 0 ? undefined : keys.join(" ")

/**
 * The traced part of a message about to be sent, or undefined when the producer's trace is off or the message goes
 * to the trace topic itself (Java skips those); a half message is `Trans_Msg_Half`, a delayed one `Delay_Msg`.
 *
 * @since 0.1.0
 * @category producer
 */
export const tracedMessage = (
  tracer: SendTracer | undefined,
  message: Message | undefined,
  topic: string,
  prepared = false
): TracedMessage | undefined =>
  tracer === undefined || topic.startsWith(tracer.traceTopic) ? undefined : {
    tags: message?.tags === "" ? undefined : message?.tags,
    keys: keysOf(message?.keys),
    msgType: (message?.delayTimeLevel ?? 0) > 0 ? "Delay_Msg" : prepared ? "Trans_Msg_Half" : "Normal_Msg"
  }

/**
 * Records a successful try (Java: `SendMessageTraceHookImpl.sendMessageAfter`): started when the try started, its
 * cost the try's time, success for SEND_OK; nothing when the broker's answer has no region or says its trace is off.
 *
 * @since 0.1.0
 * @category producer
 */
export const tracePub = (
  tracer: SendTracer,
  traced: TracedMessage,
  sent: {
    readonly address: string
    readonly started: number
    readonly request: RemotingCommand
    readonly answer: RemotingCommand
    readonly result: SendResult
  }
): Effect.Effect<boolean> | undefined => {
  const regionId = sent.answer.extFields?.[MessageConst.MSG_REGION]
  if (regionId === undefined || sent.answer.extFields?.[MessageConst.TRACE_ON] === "false") return undefined
  return tracer.dispatcher.append(tracer.traceTopic, [{
    _tag: "Pub",
    timeStamp: sent.started,
    regionId,
    groupName: tracer.group,
    topic: withoutNamespace(sent.result.messageQueue.topic),
    msgId: sent.result.msgId,
    tags: traced.tags,
    keys: traced.keys,
    storeHost: sent.address,
    bodyLength: sent.request.body?.length ?? 0,
    costTime: tracer.clock.unsafeCurrentTimeMillis() - sent.started,
    msgType: traced.msgType,
    offsetMsgId: sent.result.offsetMsgId,
    success: sent.result.sendStatus === "SEND_OK"
  }])
}

/** Java: `MixAll.DEFAULT_TRACE_REGION_ID`. */
const DEFAULT_TRACE_REGION_ID = "DefaultRegion"

/**
 * Records a transaction's end (Java: `EndTransactionTraceHookImpl`): the message's topic, tags and keys, the broker
 * that holds it, its unique id as both message and transaction id, the state and whether it answered a check.
 *
 * @since 0.1.0
 * @category producer
 */
export const traceEndTransaction = (
  tracer: SendTracer,
  ended: {
    readonly topic: string
    readonly properties: MessageProperties
    readonly address: string
    readonly msgId: string
    readonly transactionId: string | undefined
    readonly state: LocalTransactionState
    readonly fromTransactionCheck: boolean
  }
): Effect.Effect<boolean> | undefined =>
  ended.topic.startsWith(tracer.traceTopic) ? undefined : tracer.dispatcher.append(tracer.traceTopic, [{
    _tag: "EndTransaction",
    timeStamp: tracer.clock.unsafeCurrentTimeMillis(),
    regionId: ended.properties[MessageConst.MSG_REGION] || DEFAULT_TRACE_REGION_ID,
    groupName: tracer.group,
    topic: withoutNamespace(ended.topic),
    msgId: ended.msgId,
    tags: ended.properties[MessageConst.TAGS],
    keys: ended.properties[MessageConst.KEYS],
    storeHost: ended.address,
    msgType: "Trans_msg_Commit",
    transactionId: ended.transactionId,
    transactionState: ended.state,
    fromTransactionCheck: ended.fromTransactionCheck
  }])
