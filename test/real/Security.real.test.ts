// A real broker that checks signatures (4.9: plain ACL; 5.x: authentication) and one that speaks only TLS.
import { expect } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { Producer } from "../../src/services/Producer.js"
import {
  aclAccount,
  bodyText,
  collect,
  describeReal,
  producer,
  requestRecorder,
  text,
  unique
} from "./support/RealSuite.js"

describeReal("a real broker with ACL", { acl: aclAccount }, (it) => {
  it.test("signed with the right key, messages go and come back", () =>
    Effect.gen(function*() {
      const topic = unique("Acl")
      const p = yield* Producer
      const sent = yield* p.send({ topic, body: text("signed") })
      expect(sent.sendStatus).toBe("SEND_OK")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] }, { acl: aclAccount })
      const [got] = yield* c.awaitCount(1)
      expect(bodyText(got!)).toBe("signed")
    }).pipe(Effect.provide(producer({}, { acl: aclAccount }))))

  // The sends that go on the wire.
  const counter = requestRecorder([RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_MESSAGE])
  it.test("signed with a wrong key, a send is refused at once and not retried", () =>
    Effect.gen(function*() {
      const p = yield* Producer
      const started = Date.now()
      const refused = yield* Effect.either(p.send({ topic: unique("AclRefused"), body: text("forged") }))
      expect(Either.isLeft(refused)).toBe(true)
      if (Either.isLeft(refused)) expect(refused.left._tag).toBe("BrokerResponseError")
      expect(counter.requests).toHaveLength(1)
      expect(Date.now() - started).toBeLessThan(3_000)
    }).pipe(Effect.provide(producer({}, {
      acl: { accessKey: aclAccount.accessKey, secretKey: Redacted.make("wrong-secret") },
      hooks: [counter.hook]
    }))))
})

describeReal("a real broker that speaks only TLS", { tls: true }, (it) => {
  it.test("over TLS (the server's certificate checked against the cluster's CA), messages go and come back", () =>
    Effect.gen(function*() {
      const topic = unique("Tls")
      const p = yield* Producer
      const sent = yield* p.send({ topic, body: text("over TLS") })
      expect(sent.sendStatus).toBe("SEND_OK")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] }, { tls: true })
      const [got] = yield* c.awaitCount(1)
      expect(bodyText(got!)).toBe("over TLS")
    }).pipe(Effect.provide(producer({}, { tls: true }))))

  it.test("a plain connection to the TLS broker fails with a typed error", () =>
    Effect.gen(function*() {
      const p = yield* Producer
      const failed = yield* Effect.either(
        p.send({ topic: unique("Plain"), body: text("plain") }, { timeout: "3 seconds" })
      )
      expect(Either.isLeft(failed)).toBe(true)
    }).pipe(Effect.provide(producer({}, { apiTimeoutMillis: 2_000 }))))
})
