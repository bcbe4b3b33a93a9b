// Request-reply across clients on a real broker: our request answered by a Java replier (a push consumer replying with
// MessageUtil.createReplyMessage), and a Java request (DefaultMQProducer.request) answered by our replier.
import { expect } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { ClientInstance } from "../../src/services/ClientInstance.js"
import { Producer } from "../../src/services/Producer.js"
import { PushConsumer } from "../../src/services/PushConsumer.js"
import { createReplyMessage } from "../../src/services/Reply.js"
import { isEvent, runToEnd, start } from "./support/JavaPeer.js"
import { mqadmin } from "./support/MqAdmin.js"
import { bodyText, describeReal, eventually, producer, pushConsumer, Real, text, unique } from "./support/RealSuite.js"

/** A topic made on the cluster first, so that a consumer started before any send finds its route at once. */
const makeTopic = (prefix: string) =>
  Effect.gen(function*() {
    const cluster = yield* Real
    const topic = unique(prefix)
    yield* mqadmin(cluster.line, cluster.nameServerAddress, ["updateTopic", "-c", cluster.clusterName, "-t", topic])
    return topic
  })

describeReal("request-reply beside the Java client", {}, (it, line) => {
  it.test("our request is answered by a Java replier (MessageUtil.createReplyMessage)", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = yield* makeTopic("Requests")
      const java = yield* start(line.client, [
        "reply",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", unique("replier")]
      ])
      yield* java.awaitEvent(isEvent("started"), "60 seconds")
      const p = yield* Producer
      const { clientId } = yield* ClientInstance
      // The Java consumer takes its queues within a rebalance: the first requests may wait for it.
      const replies = yield* Effect.forEach(
        ["one", "two", "three"],
        (body) => p.request({ topic, body: text(body) }, { timeout: "60 seconds" })
      )
      expect(replies.map(bodyText)).toEqual(["re: one", "re: two", "re: three"])
      // Java prints a reply once its send returned, which may be after we got the reply.
      yield* eventually(Effect.sync(() => java.received().filter(isEvent("replied")).length === 3))
      const replied = java.received().filter(isEvent("replied"))
      expect(replied.map((r) => r.sendStatus)).toEqual(["SEND_OK", "SEND_OK", "SEND_OK"])
      expect(replied[0]!.properties).toMatchObject({
        REPLY_TO_CLIENT: clientId,
        TTL: "60000",
        CLUSTER: cluster.clusterName
      })
      for (const [i, reply] of replies.entries()) {
        expect(reply.topic).toBe(`${cluster.clusterName}_REPLY_TOPIC`)
        expect(reply.properties).toMatchObject({
          MSG_TYPE: "reply",
          CORRELATION_ID: replied[i]!.properties.CORRELATION_ID,
          REPLY_TO_CLIENT: clientId
        })
      }
    }).pipe(Effect.provide(producer({ group: unique("requester") }))))

  it.test("a Java request (DefaultMQProducer.request) is answered by our replier", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = yield* makeTopic("Requests")
      const replier = Context.get(yield* Layer.build(producer({ group: unique("replier_p") })), Producer)
      const consumer = Context.get(
        yield* Layer.build(pushConsumer({
          group: unique("replier"),
          subscriptions: [{ topic }],
          consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
          handler: (messages) =>
            Effect.as(
              Effect.forEach(messages, (m) =>
                Effect.flatMap(
                  createReplyMessage(m, text(`re: ${bodyText(m)}`)),
                  (reply) => replier.send(reply)
                ), { discard: true }),
              "CONSUME_SUCCESS" as const
            )
        }, { instanceName: "real-replier" })),
        PushConsumer
      )
      yield* eventually(Effect.map(consumer.assignedQueues, (qs) => qs.some((q) => q.topic === topic)))
      const events = yield* runToEnd(line.client, [
        "request",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "3", "--timeout-ms", "30000"],
        ...["--body-base64", Buffer.from("ping").toString("base64")]
      ], "120 seconds")
      const replies = events.filter(isEvent("reply"))
      expect(replies.map((r) => Buffer.from(r.bodyBase64, "base64").toString("utf8"))).toEqual([
        "re: ping",
        "re: ping",
        "re: ping"
      ])
      expect(replies[0]!.topic).toBe(`${cluster.clusterName}_REPLY_TOPIC`)
      expect(replies[0]!.properties.MSG_TYPE).toBe("reply")
      expect(new Set(replies.map((r) => r.properties.CORRELATION_ID)).size).toBe(3)
    }))
})
