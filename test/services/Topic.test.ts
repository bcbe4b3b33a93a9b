import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Either, FastCheck as fc, Schema } from "effect"
import * as Topic from "../../src/services/Topic.js"
import { received } from "../support/ReceivedMessage.js"

const roundTrip = <A, T, K, P>(topic: Topic.Topic<A, T, K, P>, value: A, fields?: Topic.MessageFields<T, K, P>) =>
  Either.flatMap(Topic.encode(topic, value, fields), (message) => Topic.decodeEither(topic, received(message)))

const Order = Schema.Struct({
  id: Schema.String,
  quantity: Schema.Int,
  express: Schema.Boolean,
  note: Schema.optionalWith(Schema.String, { exact: true }),
  lines: Schema.Array(Schema.Struct({ sku: Schema.String, price: Schema.BigInt })),
  status: Schema.Literal("created", "paid", "shipped")
})

const schemas = {
  "a struct with optional fields, arrays, literals and bigints (JSON)": Topic.make("Orders", Order),
  "a bigint carried as a string in JSON": Topic.make("Amounts", Schema.BigInt),
  "a union of tagged structs (JSON)": Topic.make(
    "Events",
    Schema.Union(
      Schema.TaggedStruct("Created", { id: Schema.String }),
      Schema.TaggedStruct("Deleted", { id: Schema.String, at: Schema.Int })
    )
  ),
  "text (UTF-8)": Topic.make("Notes", Schema.String, { codec: Topic.BodyCodec.utf8 }),
  "raw bytes": Topic.make("Blobs", Schema.Uint8ArrayFromSelf, { codec: Topic.BodyCodec.bytes })
} as const

describe("typed topics", () => {
  for (const [name, topic] of Object.entries(schemas)) {
    const schema = Schema.typeSchema((topic as Topic.Topic<unknown>).body)
    it.prop(`decode(encode(v)) is v: ${name}`, [Arbitrary.make(schema)], ([value]) => {
      const decoded = Either.getOrThrow(roundTrip(topic as Topic.Topic<unknown>, value))
      // A raw body comes back as the Buffer the record decoder cut.
      expect(decoded.value instanceof Uint8Array ? new Uint8Array(decoded.value) : decoded.value).toEqual(value)
    })
  }

  const Tenant = Schema.Struct({ tenant: Schema.String, priority: Schema.NumberFromString })
  const Typed = Topic.make("Orders", Order, {
    tags: Schema.Literal("created", "cancelled"),
    keys: Schema.NumberFromString.pipe(Schema.int()),
    properties: Tenant
  })
  // What can travel as a property value: not blank (Java refuses it), no property separators (refused, tested below).
  const propertyText = fc.string({ minLength: 1 }).filter((s) =>
    s.trim().length > 0 && !s.includes("\u0001") && !s.includes("\u0002")
  )

  it.prop(
    "tags, keys and user properties round trip with their schemas, beside the system's properties",
    [
      Arbitrary.make(Order),
      fc.constantFrom("created" as const, "cancelled" as const),
      fc.array(fc.integer(), { maxLength: 5 }),
      fc.record({ tenant: propertyText, priority: fc.integer() })
    ],
    ([order, tags, keys, properties]) => {
      const decoded = Either.getOrThrow(roundTrip(Typed, order, { tags, keys, properties }))
      expect(decoded).toMatchObject({ value: order, tags, keys, properties })
      expect(decoded.message.properties.TAGS).toBe(tags)
    }
  )

  it.prop(
    "with no schemas, tags, keys and user properties are the strings sent",
    [
      fc.stringMatching(/^[A-Za-z0-9_|-]{1,20}$/),
      fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { maxLength: 4 }),
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), propertyText)
    ],
    ([tags, keys, properties]) => {
      const user = Object.fromEntries(Object.entries(properties).filter(([k]) => k.toUpperCase() !== k))
      const topic = Topic.make("Notes", Schema.String)
      const decoded = Either.getOrThrow(roundTrip(topic, "hello", { tags, keys, properties: user }))
      expect(decoded).toMatchObject({ value: "hello", tags, keys, properties: user })
    }
  )

  it("a value the schema refuses is a MessageEncodeError naming the part; nothing is built", () => {
    const encoded = Topic.encode(Typed, { id: 1 } as never)
    expect(Either.isLeft(encoded) && encoded.left).toMatchObject({
      _tag: "MessageEncodeError",
      topic: "Orders",
      part: "body"
    })
    const tag = Topic.encode(Typed, { id: "o", quantity: 1, express: false, lines: [], status: "paid" }, {
      tags: "refunded" as never
    })
    expect(Either.isLeft(tag) && tag.left.part).toBe("tags")
  })

  it("a key with a space, an empty tag, a blank property or one with a separator cannot travel: MessageEncodeError", () => {
    const topic = Topic.make("Notes", Schema.String)
    const keys = Topic.encode(topic, "x", { keys: ["a b"] })
    expect(Either.isLeft(keys) && keys.left).toMatchObject({ part: "keys" })
    const tags = Topic.encode(topic, "x", { tags: "" })
    expect(Either.isLeft(tags) && tags.left).toMatchObject({ part: "tags" })
    const properties = Topic.encode(topic, "x", { properties: { a: "1\u00022" } })
    expect(Either.isLeft(properties) && properties.left).toMatchObject({ part: "properties" })
    const blank = Topic.encode(topic, "x", { properties: { a: " " } })
    expect(Either.isLeft(blank) && blank.left).toMatchObject({ part: "properties" })
  })

  it("a body that is not JSON, or not the schema's, is a MessageDecodeError carrying the raw message", () => {
    const topic = Topic.make("Orders", Order)
    const notJson = received({ topic: "Orders", body: Buffer.from("{oops") })
    const decoded = Effect.runSync(Effect.either(Topic.decode(topic, notJson)))
    expect(Either.isLeft(decoded) && decoded.left).toMatchObject({ _tag: "MessageDecodeError", part: "body" })
    expect(Either.isLeft(decoded) && decoded.left.raw).toBe(notJson)
    const wrongShape = received({ topic: "Orders", body: Buffer.from(JSON.stringify({ id: 7 })) })
    const again = Effect.runSync(Effect.either(Topic.decode(topic)(wrongShape)))
    expect(Either.isLeft(again) && again.left.message).toContain("quantity")
  })

  it("bytes that are not UTF-8 do not decode as text", () => {
    const topic = Topic.make("Notes", Schema.String, { codec: Topic.BodyCodec.utf8 })
    const decoded = Topic.decodeEither(topic, received({ topic: "Notes", body: Uint8Array.of(0xff, 0xfe) }))
    expect(Either.isLeft(decoded) && decoded.left.part).toBe("body")
  })

  it("a properties schema's missing property is a MessageDecodeError on the properties", () => {
    const decoded = Topic.decodeEither(Typed, received({ topic: "Orders", body: Buffer.from("{}") }))
    expect(Either.isLeft(decoded) && decoded.left.part).toBe("body")
    const topic = Topic.make("Notes", Schema.String, { properties: Tenant })
    const noTenant = Topic.decodeEither(topic, received({ topic: "Notes", body: Buffer.from("\"x\"") }))
    expect(Either.isLeft(noTenant) && noTenant.left.part).toBe("properties")
  })
})
