// The Java peer itself (RealPeer on the Java client of each line): it produces and consumes on a real cluster, ends
// cleanly when its scope closes, and reads what our producer sends as the Java client sees it.
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { Producer } from "../../src/services/Producer.js"
import { isEvent, runToEnd, start } from "./support/JavaPeer.js"
import { describeReal, producer, Real, unique } from "./support/RealSuite.js"

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64")
const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8")

describeReal("the Java peer", {}, (it, line) => {
  it.test("produces with tags, keys, properties and a compressed body, and consumes them back", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("Peer")
      const sent = yield* runToEnd(line.client, [
        "produce",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "3"],
        ...["--tag", "TagA", "--keys", "k1 k2", "--prop", "color=blue", "--prop", "odd=é\"\\\n✓", "--size", "5000"]
      ], "60 seconds")
      const sends = sent.filter(isEvent("sent"))
      expect(sends.map((s) => s.status)).toEqual(["SEND_OK", "SEND_OK", "SEND_OK"])
      expect(sent.at(-1)).toEqual({ event: "done", count: 3 })

      const consumer = yield* start(line.client, [
        "consume",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", unique("g"), "--count", "4"]
      ])
      const assigned = yield* consumer.awaitEvent(isEvent("assigned", (e) => e.queues.length === 4), "60 seconds")
      expect(assigned.queues.map((q) => q.queueId)).toEqual([0, 1, 2, 3])
      yield* runToEnd(line.client, [
        "produce",
        ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--body-base64", base64("live ✓")]
      ], "60 seconds")
      expect(yield* consumer.awaitExit).toBe(0)

      const messages = consumer.received().filter(isEvent("message"))
      expect(messages.map((m) => m.msgId)).toEqual(expect.arrayContaining(sends.map((s) => s.msgId)))
      for (const m of messages.filter((m) => m.tags === "TagA")) {
        const s = sends.find((s) => s.msgId === m.msgId)!
        expect(m).toMatchObject({
          topic,
          keys: "k1 k2",
          offsetMsgId: s.offsetMsgId,
          queueId: s.queueId,
          queueOffset: s.queueOffset,
          status: "success",
          delivery: 1
        })
        expect(m.properties).toMatchObject({ color: "blue", odd: "é\"\\\n✓", TAGS: "TagA", KEYS: "k1 k2" })
        expect(text(m.bodyBase64)).toHaveLength(5000)
      }
      expect(messages.filter((m) => m.tags === null).map((m) => text(m.bodyBase64))).toEqual(["live ✓"])
      expect(consumer.received().at(-1)).toEqual({ event: "done", count: 4, deliveries: 4 })
    }))

  it.test("reads what our producer sends as the Java client sees it; stops when its scope closes", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const topic = unique("FromUs")
      const p = yield* Producer
      const results = yield* Effect.forEach([0, 1, 2], (i) =>
        p.send({
          topic,
          body: Buffer.from(`ours ${i}`),
          tags: "TagA",
          keys: ["k1", `order-${i}`],
          properties: { n: String(i) }
        }))
      const { messages, peer } = yield* Effect.scoped(Effect.gen(function*() {
        const consumer = yield* start(line.client, [
          "consume",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", unique("g")]
        ])
        for (const r of results) {
          yield* consumer.awaitEvent(isEvent("message", (m) => m.msgId === r.msgId), "60 seconds", `message ${r.msgId}`)
        }
        return { messages: consumer.received().filter(isEvent("message")), peer: consumer }
      }))
      // Closing the scope asked it to stop: it shut the client down (persisting offsets) and exited by itself.
      expect(yield* peer.awaitExit).toBe(0)
      expect(peer.received().at(-1)).toEqual({ event: "done", count: 3, deliveries: 3 })
      expect(() => process.kill(peer.pid, 0)).toThrow()
      for (const [i, r] of results.entries()) {
        const m = messages.find((m) => m.msgId === r.msgId)!
        expect(m).toMatchObject({
          tags: "TagA",
          keys: `k1 order-${i}`,
          offsetMsgId: r.offsetMsgId,
          queueOffset: r.queueOffset
        })
        expect(m.properties.n).toBe(String(i))
        expect(text(m.bodyBase64)).toBe(`ours ${i}`)
      }
    }).pipe(Effect.provide(producer())))
})
