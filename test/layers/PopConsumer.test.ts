// The push consumer in pop mode (RocketMQ 5.x, `clientRebalance: false`) on the embedded cluster in 5.0 mode, under the
// TestClock: invisible times, the back-off of failed messages, the broker's assignment and switching modes.
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Ref, TestClock } from "effect"
import {
  type MessageRequestMode,
  SetMessageRequestModeRequestBody
} from "../../src/protocol/bodies/AssignmentBodies.js"
import { encodeBody } from "../../src/protocol/bodies/Body.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import type { ConsumeResult, PushConsumerOptions } from "../../src/services/PushConsumer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { bodyText, produce, producerLayer, startConsumer } from "../support/ConsumerStack.js"
import { withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle } from "../support/Eventually.js"

/** What `mqadmin setConsumeMode` sends: the group reads the topic in `mode`. */
const setConsumeMode = (topic: string, group: string, mode: MessageRequestMode) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const body = encodeBody(SetMessageRequestModeRequestBody, {
      consumerGroup: group,
      mode,
      popShareQueueNum: 0,
      topic
    })
    for (const broker of cluster.brokers) {
      const answer = yield* client.invoke(
        broker.address,
        request(RequestCode.SET_MESSAGE_REQUEST_MODE, {}, { body }),
        "3 seconds"
      )
      expect(answer.code).toBe(0)
    }
  })

/** Every delivery, by consumer, with the time (TestClock) it came. */
const deliveries = Effect.map(
  Ref.make<Array<{ readonly consumer: string; readonly message: MessageExt; readonly at: number }>>([]),
  (log) => ({
    log,
    handler: (
      consumer: string,
      decide: (m: MessageExt) => Effect.Effect<ConsumeResult> = () => Effect.succeed("CONSUME_SUCCESS")
    ) =>
    (messages: ReadonlyArray<MessageExt>) =>
      Effect.gen(function*() {
        const at = yield* TestClock.currentTimeMillis
        yield* Ref.update(log, (l) => [...l, ...messages.map((message) => ({ consumer, message, at }))])
        let result: ConsumeResult = "CONSUME_SUCCESS"
        for (const m of messages) if ((yield* decide(m)) === "RECONSUME_LATER") result = "RECONSUME_LATER"
        return result
      }),
    of: (body: string) => Effect.map(Ref.get(log), (l) => l.filter((d) => bodyText(d.message) === body)),
    distinct: Effect.map(Ref.get(log), (l) => new Set(l.map((d) => bodyText(d.message))).size),
    total: Effect.map(Ref.get(log), (l) => l.length)
  })
)

const popOptions = (handler: PushConsumerOptions<never, never>["handler"]): PushConsumerOptions<never, never> => ({
  group: "pop_group",
  subscriptions: [{ topic: "Orders" }],
  consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
  clientRebalance: false,
  handler
})

const popRequests = Effect.flatMap(
  EmbeddedCluster,
  (cluster) =>
    Effect.map(
      cluster.receivedRequests(cluster.brokers[0]!.name),
      (all) => all.filter((r) => r.code === RequestCode.POP_MESSAGE).length
    )
)

const v5 = () => withCluster({ brokers: 1, version: "5.0" })

describe("the push consumer in pop mode (RocketMQ 5.x)", () => {
  it.scoped("consumes a group set to POP by popping, acks what succeeded, and a failed message comes back after the back-off", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* setConsumeMode("Orders", "pop_group", "POP")
      yield* produce("Orders", 10)
      const d = yield* deliveries
      const failed = yield* Ref.make(false)
      const { close, consumer } = yield* startConsumer(
        "c1",
        popOptions(d.handler("c1", (m) =>
          bodyText(m) === "m-3"
            ? Effect.map(Ref.getAndSet(failed, true), (f) => f ? "CONSUME_SUCCESS" : "RECONSUME_LATER")
            : Effect.succeed("CONSUME_SUCCESS")))
      )
      yield* eventually(Effect.map(d.distinct, (n) => n === 10), { what: "10 messages popped", bound: "20 seconds" })
      // Popped, not pulled: the consumer holds no pull queue of the topic.
      expect((yield* consumer.assignedQueues).filter((q) => q.topic === "Orders")).toEqual([])
      expect(yield* popRequests).toBeGreaterThan(0)
      const first = yield* d.of("m-3")
      expect(first.length).toBe(1)
      // The first failure makes it invisible for 10 s (Java's popDelayLevel[0]).
      yield* TestClock.adjust("9 seconds")
      yield* fibersSettle()
      expect((yield* d.of("m-3")).length).toBe(1)
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(d.of("m-3"), (l) => l.length === 2), {
        what: "m-3 delivered again",
        bound: "20 seconds"
      })
      const again = (yield* d.of("m-3"))[1]!
      expect(again.at - first[0]!.at).toBeGreaterThanOrEqual(10_000)
      expect(again.message.reconsumeTimes).toBe(1)
      expect(again.message.topic).toBe("Orders")
      expect(again.message.properties["1ST_POP_TIME"]).toBeDefined()
      // Every other message was acked: none comes back once their invisible time (60 s) is long over.
      yield* TestClock.adjust("2 minutes")
      yield* fibersSettle()
      expect(yield* d.total).toBe(11)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5())))

  it.scoped("a message not acked comes back after its invisible time, and two consumers never hold one at once", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      yield* setConsumeMode("Orders", "pop_group", "POP")
      const d = yield* deliveries
      const stuck = yield* Deferred.make<void>()
      // c1 never finishes m-0 (until the end of the test): it is neither acked nor failed.
      const hold = (m: MessageExt) =>
        bodyText(m) === "m-0"
          ? Effect.as(Deferred.await(stuck), "CONSUME_SUCCESS" as const)
          : Effect.succeed("CONSUME_SUCCESS" as const)
      const c1 = yield* startConsumer("c1", { ...popOptions(d.handler("c1", hold)), popInvisibleTime: "20 seconds" })
      const c2 = yield* startConsumer("c2", { ...popOptions(d.handler("c2")), popInvisibleTime: "20 seconds" })
      yield* produce("Orders", 40)
      yield* eventually(Effect.map(d.distinct, (n) => n === 40), { what: "40 messages popped", bound: "20 seconds" })
      // Within the invisible time, each message went to one consumer once.
      expect(yield* d.total).toBe(40)
      const holder = (yield* d.of("m-0"))[0]!
      yield* TestClock.adjust("19 seconds")
      yield* fibersSettle()
      expect((yield* d.of("m-0")).length).toBe(1)
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(d.of("m-0"), (l) => l.length === 2), {
        what: "m-0 popped again",
        bound: "20 seconds"
      })
      const back = (yield* d.of("m-0"))[1]!
      expect(back.at - holder.at).toBeGreaterThanOrEqual(20_000)
      expect(back.message.reconsumeTimes).toBe(1)
      expect(yield* d.total).toBe(41)
      yield* Deferred.succeed(stuck, undefined)
      yield* c1.close
      yield* c2.close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5())))

  it.scoped("switches between pulling and popping as the broker's assignment says, nothing lost", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const d = yield* deliveries
      const { close, consumer } = yield* startConsumer("c1", popOptions(d.handler("c1")))
      const orders = Effect.map(consumer.assignedQueues, (qs) => qs.filter((q) => q.topic === "Orders").length)
      // PULL, the broker's default: the consumer pulls the 4 queues the broker assigned it.
      yield* eventually(Effect.map(orders, (n) => n === 4), { what: "4 queues pulled", bound: "20 seconds" })
      yield* produce("Orders", 10, "a")
      yield* eventually(Effect.map(d.distinct, (n) => n === 10), { what: "10 pulled", bound: "20 seconds" })
      const popsBefore = yield* popRequests
      expect(popsBefore).toBe(0)
      yield* setConsumeMode("Orders", "pop_group", "POP")
      yield* consumer.rebalance
      expect(yield* orders).toBe(0)
      yield* produce("Orders", 10, "b")
      yield* eventually(Effect.map(d.distinct, (n) => n === 20), { what: "10 popped", bound: "20 seconds" })
      expect(yield* popRequests).toBeGreaterThan(0)
      yield* setConsumeMode("Orders", "pop_group", "PULL")
      yield* consumer.rebalance
      yield* eventually(Effect.map(orders, (n) => n === 4), { what: "4 queues pulled again", bound: "20 seconds" })
      yield* produce("Orders", 10, "c")
      yield* eventually(Effect.map(d.distinct, (n) => n === 30), { what: "10 pulled again", bound: "20 seconds" })
      expect(yield* d.total).toBe(30)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(v5())))

  it.scoped("on a 4.9 broker, which refuses QUERY_ASSIGNMENT, the consumer allocates and pulls the queues itself", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const d = yield* deliveries
      const { close, consumer } = yield* startConsumer("c1", popOptions(d.handler("c1")))
      yield* produce("Orders", 10)
      yield* eventually(Effect.map(d.distinct, (n) => n === 10), { what: "10 pulled", bound: "20 seconds" })
      expect((yield* consumer.assignedQueues).filter((q) => q.topic === "Orders").length).toBe(4)
      yield* close
    }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 }))))
})
