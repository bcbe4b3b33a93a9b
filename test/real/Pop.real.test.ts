// RocketMQ 5.x over remoting on a real broker: a group set to POP (mqadmin setConsumeMode) consumed by our push
// consumer, failed messages back after the back-off, timer messages, and our pop consumer beside Java's in one group.
// On the 4.9 line: a consumer asking the broker for its assignment falls back to its own, and the 5.x request fields
// (bname) are ignored.
import { expect } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { isEvent, start } from "./support/JavaPeer.js"
import { mqadmin } from "./support/MqAdmin.js"
import { clusterName } from "./support/RealCluster.js"
import {
  bodyText,
  collect,
  describeReal,
  eventually,
  producer,
  Real,
  sendAll,
  text,
  unique
} from "./support/RealSuite.js"

/** `mqadmin setConsumeMode`: the group pops the topic, every consumer every queue (no queue sharing). */
const setPop = (topic: string, group: string) =>
  Effect.gen(function*() {
    const cluster = yield* Real
    yield* mqadmin(cluster.line, cluster.nameServerAddress, [
      "setConsumeMode",
      "-c",
      clusterName,
      "-t",
      topic,
      "-g",
      group,
      "-m",
      "POP",
      "-q",
      "0"
    ])
  })

describeReal("RocketMQ 5.x over remoting", {}, (it, line) => {
  if (line.line === "4.9") {
    it.test("on a 4.9 broker, a consumer asking for the broker's assignment allocates its queues itself and pulls", () =>
      Effect.gen(function*() {
        const topic = unique("NoPop")
        yield* sendAll(topic, 20)
        const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }], clientRebalance: false })
        const got = yield* c.awaitCount(20)
        expect(new Set(got.map(bodyText)).size).toBe(20)
        expect((yield* c.consumer.assignedQueues).filter((q) => q.topic === topic).length).toBe(4)
      }).pipe(Effect.provide(producer())))
    return
  }

  it.test(
    "a group set to POP is popped by our consumer: every message once, a failed one back after the back-off",
    () =>
      Effect.gen(function*() {
        const topic = unique("Pop")
        const group = unique("pop")
        yield* sendAll(topic, 1, "route")
        yield* setPop(topic, group)
        const failedOnce = new Set<string>()
        const c = yield* collect({
          group,
          subscriptions: [{ topic }],
          clientRebalance: false,
          result: (m) => {
            if (bodyText(m) !== "m-3" || failedOnce.has("m-3")) return "CONSUME_SUCCESS"
            failedOnce.add("m-3")
            return "RECONSUME_LATER"
          }
        })
        yield* sendAll(topic, 20)
        yield* eventually(Effect.sync(() => new Set(c.received.map(bodyText)).size === 21))
        // Popped: the consumer holds no pull queue of the topic.
        expect((yield* c.consumer.assignedQueues).filter((q) => q.topic === topic)).toEqual([])
        const first = c.received.find((m) => bodyText(m) === "m-3")!
        yield* eventually(Effect.sync(() => c.received.filter((m) => bodyText(m) === "m-3").length === 2), "60 seconds")
        const again = c.received.filter((m) => bodyText(m) === "m-3")[1]!
        expect(again.reconsumeTimes).toBe(1)
        expect(again.topic).toBe(topic)
        // Invisible for 10 s after its failure (the broker revives it on its own schedule, a little later).
        expect(Number(again.properties.CONSUME_START_TIME) - Number(first.properties.CONSUME_START_TIME))
          .toBeGreaterThanOrEqual(10_000)
        // Every other message was acked: each came once.
        const others = c.received.filter((m) => bodyText(m) !== "m-3")
        expect(others.length).toBe(new Set(others.map(bodyText)).size)
      }).pipe(Effect.provide(producer())),
    180_000
  )

  it.test("a timer message arrives after its time, not before", () =>
    Effect.gen(function*() {
      const topic = unique("Timer")
      yield* sendAll(topic, 1, "route")
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      yield* c.awaitCount(1)
      const p = yield* Producer
      const at = (yield* Clock.currentTimeMillis) + 4_000
      yield* p.send({ topic, body: text("timed"), deliverTime: at })
      yield* eventually(Effect.sync(() => c.received.some((m) => bodyText(m) === "timed")), "60 seconds")
      const timed = c.received.find((m) => bodyText(m) === "timed")!
      expect(Number(timed.properties.CONSUME_START_TIME)).toBeGreaterThanOrEqual(at)
      expect(timed.storeTimestamp).toBeGreaterThanOrEqual(at - 1_000)
      expect(timed.properties.TIMER_DELIVER_MS).toBe(String(at))
      expect(timed.topic).toBe(topic)
    }).pipe(Effect.provide(producer())), 120_000)

  it.test(
    "our pop consumer and a Java pop consumer share a group: each message consumed once between them",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const topic = unique("PopMixed")
        const group = unique("popmixed")
        yield* sendAll(topic, 1, "route")
        yield* setPop(topic, group)
        const ours = yield* collect({ group, subscriptions: [{ topic }], clientRebalance: false }, {
          instanceName: "pop-ours"
        })
        const java = yield* start(line.client, [
          "consume",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", group, "--from", "first", "--pop"]
        ])
        yield* eventually(
          Effect.sync(() => ours.received.length + java.received().filter(isEvent("message")).length >= 1)
        )
        const sent = yield* sendAll(topic, 60, "mixed")
        const ids = new Set(sent.map((s) => s.msgId))
        const javaGot = () => java.received().filter(isEvent("message", (m) => ids.has(m.msgId)))
        const oursGot = () => ours.received.filter((m) => ids.has(m.msgId))
        yield* eventually(Effect.sync(() => javaGot().length + oursGot().length >= 60), "90 seconds")
        expect(new Set([...javaGot().map((m) => m.msgId), ...oursGot().map((m) => m.msgId)]).size).toBe(60)
        expect(javaGot().length + oursGot().length).toBe(60)
      }).pipe(Effect.provide(producer())),
    180_000
  )
})
