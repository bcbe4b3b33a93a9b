// fast-check arbitraries for protocol values, shared by the property and fuzz tests.
import { FastCheck as fc } from "effect"
import { LanguageCode, type LanguageName } from "../../src/protocol/LanguageCode.js"
import type { MessageRecord } from "../../src/protocol/MessageDecoder.js"
import { MessageMagic } from "../../src/protocol/MessageDecoder.js"
import type { RemotingCommand } from "../../src/protocol/RemotingCommand.js"

const int16 = fc.integer({ min: -32768, max: 32767 })
const int32 = fc.integer({ min: -2147483648, max: 2147483647 })
const safeLong = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const text = fc.fullUnicodeString({ maxLength: 40 })
const languages = Object.keys(LanguageCode) as Array<LanguageName>

export const bytes = (maxLength = 256) => fc.uint8Array({ maxLength })

export const command: fc.Arbitrary<RemotingCommand> = fc.record({
  code: int16,
  language: fc.constantFrom(...languages),
  version: int16,
  opaque: int32,
  flag: int32,
  remark: fc.option(text, { nil: undefined }),
  extFields: fc.option(fc.dictionary(text, text, { maxKeys: 8 }), { nil: undefined }),
  body: fc.option(bytes(512), { nil: undefined }),
  serializeType: fc.constantFrom("JSON" as const, "ROCKETMQ" as const)
})

/** What a command decodes to: the binary header cannot tell an empty remark or map from none, nor can bodies. */
export const normalize = (c: RemotingCommand): RemotingCommand => ({
  ...c,
  remark: c.serializeType === "ROCKETMQ" && c.remark === "" ? undefined : c.remark,
  extFields: c.serializeType === "ROCKETMQ" && c.extFields !== undefined && Object.keys(c.extFields).length === 0
    ? undefined
    : c.extFields === undefined
    ? undefined
    : { ...c.extFields },
  body: c.body === undefined || c.body.length === 0 ? undefined : Buffer.from(c.body)
})

/** A property name or value: non-empty, without the two separators (Java cannot carry those). */
const propertyText = fc.fullUnicodeString({ minLength: 1, maxLength: 24 }).filter((s) =>
  !s.includes("\u0001") && !s.includes("\u0002")
)

export const properties = fc.dictionary(propertyText, propertyText, { maxKeys: 6 })

const ipv4 = fc.ipV4()
const ipv6 = fc.tuple(...Array.from({ length: 8 }, () => fc.integer({ min: 0, max: 0xffff }))).map((g) =>
  g.map((x) => x.toString(16)).join(":")
)
export const hostAddress = fc.record({ host: fc.oneof(ipv4, ipv6), port: fc.integer({ min: 0, max: 65535 }) })

/** A stored record; its topic fits a V1 record's 1-byte length unless the magic is V2. */
export const messageRecord: fc.Arbitrary<MessageRecord> = fc.record({
  magicCode: fc.constantFrom(MessageMagic.V1, MessageMagic.V2),
  topic: fc.stringMatching(/^[A-Za-z0-9_%-]{1,127}$/),
  flag: int32,
  properties,
  body: bytes(1024),
  queueId: fc.integer({ min: 0, max: 1023 }),
  queueOffset: safeLong,
  sysFlag: fc.integer({ min: 0, max: 0xff }).map((f) => f & ~0x31),
  bornTimestamp: safeLong,
  bornHost: hostAddress,
  storeTimestamp: safeLong,
  storeHost: hostAddress,
  commitLogOffset: safeLong,
  bodyCRC: int32,
  reconsumeTimes: fc.integer({ min: 0, max: 32 }),
  preparedTransactionOffset: safeLong
})

/** The header fields of a command. */
export type HeaderFields = Omit<RemotingCommand, "body" | "serializeType">

/** ASCII text weighted towards what needs escaping: quotes, backslashes, control characters, the separators. */
const asciiText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\"", "\\", "\u0001", "\u0002", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u001f", "\u007f", "/"),
    fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 })
  ),
  maxLength: 40
})

/** Header fields whose text is all ASCII: what the byte writer takes (integer-like keys included). */
export const asciiHeader: fc.Arbitrary<HeaderFields> = fc.record({
  code: int16,
  language: fc.constantFrom(...languages),
  version: int16,
  opaque: int32,
  flag: int32,
  remark: fc.option(asciiText, { nil: undefined }),
  extFields: fc.option(fc.dictionary(fc.oneof(asciiText, fc.nat().map(String)), asciiText, { maxKeys: 12 }), {
    nil: undefined
  })
})

/** A typical SEND_MESSAGE_V2 header. */
export const sampleHeader: HeaderFields = {
  code: 310,
  language: "JAVA",
  version: 409,
  opaque: 7,
  flag: 0,
  extFields: { a: "group", b: "Topic", i: "TAGS\u0001a\u0002" }
}

/** A header as fastjson (and `JSON.stringify` on these fields, in this order) writes it. */
export const headerJson = (c: HeaderFields): string =>
  JSON.stringify({
    code: c.code,
    extFields: c.extFields,
    flag: c.flag,
    language: c.language,
    opaque: c.opaque,
    remark: c.remark,
    serializeTypeCurrentRPC: "JSON",
    version: c.version
  })
