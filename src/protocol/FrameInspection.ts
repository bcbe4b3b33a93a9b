import * as Either from "effect/Either"
import { formatHostAddress } from "./HostAddress.js"
import { decodeMessages, looksLikeMessageRecords, type MessageExt, messageKeys, messageTags } from "./MessageDecoder.js"
import { isResponse, type RemotingCommand } from "./RemotingCommand.js"
import { RequestCode, requestCodeName } from "./RequestCode.js"
import { responseCodeName } from "./ResponseCode.js"

/**
 * A message as the frame inspector shows it: the fields a person debugging a conversation looks at, and the body as
 * UTF-8 when it is text, else base64.
 *
 * @since 0.1.0
 * @category inspection
 */
export interface InspectedMessage {
  readonly topic: string
  readonly queueId: number
  readonly queueOffset: number
  readonly commitLogOffset: number
  readonly sysFlag: number
  readonly reconsumeTimes: number
  readonly msgId: string
  readonly offsetMsgId: string
  readonly tags: string | null
  readonly keys: ReadonlyArray<string>
  readonly bornTimestamp: number
  readonly storeTimestamp: number
  readonly bornHost: string
  readonly storeHost: string
  readonly properties: Readonly<Record<string, string>>
  readonly bodyLength: number
  readonly body: string
  readonly bodyEncoding: "utf8" | "base64"
}

/**
 * A decoded command as the frame inspector prints it, with Java's field names.
 *
 * @since 0.1.0
 * @category inspection
 */
export interface InspectedCommand {
  readonly code: number
  readonly codeName: string | null
  readonly flag: number
  readonly response: boolean
  readonly oneway: boolean
  readonly opaque: number
  readonly language: string
  readonly version: number
  readonly serializeType: string
  readonly remark: string | null
  readonly extFields: Readonly<Record<string, string>>
  readonly bodyLength: number
  readonly bodyText?: string
  readonly messages?: ReadonlyArray<InspectedMessage>
  readonly messagesError?: string
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The body as text when it is valid UTF-8 with no control characters but tab, CR and LF. */
const asText = (bytes: Uint8Array): string | undefined => {
  const text = Either.try(() => utf8.decode(bytes))
  if (Either.isLeft(text)) return undefined
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text.right) ? undefined : text.right
}

const inspectMessage = (m: MessageExt): InspectedMessage => {
  const text = asText(m.body)
  return {
    topic: m.topic,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    commitLogOffset: m.commitLogOffset,
    sysFlag: m.sysFlag,
    reconsumeTimes: m.reconsumeTimes,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: messageTags(m) ?? null,
    keys: messageKeys(m),
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    bornHost: formatHostAddress(m.bornHost),
    storeHost: formatHostAddress(m.storeHost),
    properties: { ...m.properties },
    bodyLength: m.body.length,
    body: text ?? Buffer.from(m.body).toString("base64"),
    bodyEncoding: text === undefined ? "base64" : "utf8"
  }
}

/**
 * Whether a command's body holds message records: a successful pull response (its header has `nextBeginOffset` and
 * `suggestWhichBrokerId`), a CHECK_TRANSACTION_STATE request, or a body that starts like a record.
 *
 * @since 0.1.0
 * @category inspection
 */
export const carriesMessages = (command: RemotingCommand): boolean => {
  if (command.body === undefined || command.body.length === 0) return false
  if (!isResponse(command) && command.code === RequestCode.CHECK_TRANSACTION_STATE) return true
  const ext = command.extFields
  if (isResponse(command) && ext?.nextBeginOffset !== undefined && ext.suggestWhichBrokerId !== undefined) return true
  return looksLikeMessageRecords(command.body)
}

/**
 * A command as the frame inspector shows it (Java field names; the code's name is a request code's for requests
 * and a response code's for responses).
 *
 * @since 0.1.0
 * @category inspection
 */
export const inspectCommand = (command: RemotingCommand): InspectedCommand => {
  const response = isResponse(command)
  const base: InspectedCommand = {
    code: command.code,
    codeName: (response ? responseCodeName(command.code) : requestCodeName(command.code)) ?? null,
    flag: command.flag,
    response,
    oneway: (command.flag & 2) !== 0,
    opaque: command.opaque,
    language: command.language,
    version: command.version,
    serializeType: command.serializeType,
    remark: command.remark ?? null,
    extFields: { ...command.extFields },
    bodyLength: command.body?.length ?? 0
  }
  if (command.body === undefined || command.body.length === 0) return base
  if (carriesMessages(command)) {
    const messages = decodeMessages(command.body)
    return Either.isRight(messages)
      ? { ...base, messages: messages.right.map(inspectMessage) }
      : { ...base, messagesError: messages.left.message }
  }
  const text = asText(command.body)
  return text === undefined ? base : { ...base, bodyText: text }
}
