// Our client beside the Java client on a real broker: what Java sends we read exactly, what we send (compressed too)
// Java reads exactly, and a Java consumer and ours in one group split the queues without overlap.
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { isEvent, runToEnd, start } from "./support/JavaPeer.js"
import { collect, describeReal, eventually, producer, Real, unique } from "./support/RealSuite.js"

const compressible = (n: number) =>
  Buffer.from("Java and TypeScript, one broker. ".repeat(Math.ceil(n / 33)).slice(0, n))

describeReal("our client beside the Java client", {}, (it, line) => {
  it.test("what Java sends, we read exactly: tags, keys, properties, bodies (compressed too), unique ids", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("FromJava")
      const big = compressible(6_000)
      const produce = (args: ReadonlyArray<string>) =>
        runToEnd(
          line.client,
          ["produce", "--namesrv", cluster.nameServerAddress, "--topic", topic, ...args],
          "60 seconds"
        )
      const small = yield* produce([
        "--count",
        "2",
        "--tag",
        "TagJ",
        "--keys",
        "j1 j2",
        "--prop",
        "odd=é\"\\✓",
        "--body-base64",
        Buffer.from("from Java ✓").toString("base64")
      ])
      const large = yield* produce(["--count", "1", "--tag", "Big", "--body-base64", big.toString("base64")])
      const sent = [...small, ...large].filter(isEvent("sent"))
      const c = yield* collect({ group: unique("g"), subscriptions: [{ topic }] })
      const got = yield* c.awaitCount(3)
      for (const s of sent) {
        const m = got.find((m) => m.msgId === s.msgId)!
        expect(m).toBeDefined()
        expect(m.offsetMsgId).toBe(s.offsetMsgId)
        expect(m.queueId).toBe(s.queueId)
        expect(m.queueOffset).toBe(s.queueOffset)
        if (m.properties.TAGS === "TagJ") {
          expect(m.properties).toMatchObject({ KEYS: "j1 j2", odd: "é\"\\✓", UNIQ_KEY: s.msgId })
          expect(Buffer.from(m.body).toString("utf8")).toBe("from Java ✓")
        } else {
          expect(m.properties.TAGS).toBe("Big")
          expect(Buffer.from(m.body).equals(big)).toBe(true)
        }
      }
    }))

  it.test("what we send compressed, Java reads whole", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Compressed")
      const p = yield* Producer
      const body = compressible(50_000)
      const sent = yield* p.send({ topic, body, tags: "Big", keys: ["big-1"] })
      const events = yield* runToEnd(line.client, [
        "consume",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", unique("g"), "--count", "1"],
        ...["--from", "first", "--timeout-ms", "60000"]
      ], "90 seconds")
      const [m] = events.filter(isEvent("message"))
      expect(m).toMatchObject({ msgId: sent.msgId, tags: "Big", keys: "big-1" })
      expect(Buffer.from(m!.bodyBase64, "base64").equals(body)).toBe(true)
    }).pipe(Effect.provide(producer())))

  it.test("a Java consumer and ours in one group split the queues: each message consumed once, no queue shared", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Mixed")
      const group = unique("mixed")
      const p = yield* Producer
      yield* p.send({ topic, body: Buffer.from("route") })
      const ours = yield* collect({ group, subscriptions: [{ topic }] }, { instanceName: "mixed-ours" })
      const java = yield* start(line.client, [
        "consume",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", group, "--from", "first"]
      ])
      // Both hold two of the four queues, and the two halves do not meet.
      yield* java.awaitEvent(isEvent("assigned", (e) => e.queues.length === 2), "60 seconds", "two queues for Java")
      yield* eventually(
        Effect.map(ours.consumer.assignedQueues, (qs) => qs.filter((q) => q.topic === topic).length === 2)
      )
      const javaQueues = java.received().filter(isEvent("assigned")).at(-1)!.queues.map((q) => q.queueId)
      const ourQueues = (yield* ours.consumer.assignedQueues).filter((q) => q.topic === topic).map((q) => q.queueId)
      expect([...javaQueues, ...ourQueues].sort()).toEqual([0, 1, 2, 3])

      const sent = yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) => p.send({ topic, body: Buffer.from(`mixed ${i}`) })
      )
      const ids = new Set(sent.map((s) => s.msgId))
      const javaGot = () => java.received().filter(isEvent("message", (m) => ids.has(m.msgId)))
      const oursGot = () => ours.received.filter((m) => ids.has(m.msgId))
      yield* eventually(Effect.sync(() => javaGot().length + oursGot().length >= 40))
      expect(new Set([...javaGot().map((m) => m.msgId), ...oursGot().map((m) => m.msgId)]).size).toBe(40)
      expect(javaGot().length + oursGot().length).toBe(40)
      expect(javaGot().every((m) => javaQueues.includes(m.queueId))).toBe(true)
      expect(oursGot().every((m) => ourQueues.includes(m.queueId))).toBe(true)
      expect(javaGot().length).toBeGreaterThan(0)
      expect(oursGot().length).toBeGreaterThan(0)
    }).pipe(Effect.provide(producer())))
})
