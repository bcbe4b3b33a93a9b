// Our lite pull consumer on a real broker beside the Java client: it reads what Java produced (subscribe and assign),
// pulling with LITE_PULL_MESSAGE (361) on 5.x brokers and PULL_MESSAGE on 4.x, and a Java DefaultLitePullConsumer and
// ours in one group split the queues.
import { expect } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import * as LitePullConsumerLive from "../../src/layers/LitePullConsumerLive.js"
import type { MessageExt } from "../../src/protocol/MessageDecoder.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { LitePullConsumer, type LitePullConsumerOptions } from "../../src/services/LitePullConsumer.js"
import type { RpcHook } from "../../src/services/RpcHooks.js"
import { isEvent, runToEnd, start } from "./support/JavaPeer.js"
import { client, describeReal, eventually, Real, requestRecorder, unique } from "./support/RealSuite.js"

/** A lite pull consumer of ours on the real cluster, in a scope of its own (its client with `hooks`). */
const litePull = (
  options: LitePullConsumerOptions,
  instanceName = unique("lite"),
  hooks: ReadonlyArray<RpcHook> = []
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      LitePullConsumerLive.layer(options).pipe(Layer.provideMerge(client({ instanceName, hooks }))),
      scope
    )
    return { consumer: Context.get(context, LitePullConsumer), close: Scope.close(scope, Exit.void) }
  })

describeReal("our lite pull consumer beside the Java client", {}, (it, line) => {
  it.test(
    "reads what Java produced: subscribed from the first offset, and one queue assigned and sought",
    () =>
      Effect.gen(function*() {
        const recorder = requestRecorder([RequestCode.PULL_MESSAGE, RequestCode.LITE_PULL_MESSAGE])
        const cluster = yield* Real
        const topic = unique("LiteFromJava")
        const events = yield* runToEnd(line.client, [
          "produce",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "24", "--tag", "TagL"]
        ], "60 seconds")
        const sent = events.filter(isEvent("sent"))
        expect(sent.length).toBe(24)

        const subscribed = yield* litePull(
          {
            group: unique("lite_sub"),
            subscriptions: [{ topic }],
            consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
          },
          unique("lite"),
          [recorder.hook]
        )
        const got: Array<MessageExt> = []
        while (got.length < 24) got.push(...(yield* subscribed.consumer.poll("10 seconds")))
        expect(got.map((m) => m.msgId).sort()).toEqual(sent.map((s) => s.msgId).sort())
        for (const m of got) {
          const s = sent.find((s) => s.msgId === m.msgId)!
          expect([m.queueId, m.queueOffset, m.offsetMsgId, m.properties.TAGS]).toEqual([
            s.queueId,
            s.queueOffset,
            s.offsetMsgId,
            "TagL"
          ])
        }
        yield* subscribed.close

        // Assign mode: one queue, sought to its beginning, read in offset order.
        const first = sent[0]!
        const queue = { topic, brokerName: first.brokerName, queueId: first.queueId }
        const ofQueue = sent.filter((s) => s.queueId === first.queueId && s.brokerName === first.brokerName)
        const assigned = yield* litePull({ group: unique("lite_assign"), autoCommit: false }, unique("lite"), [
          recorder.hook
        ])
        expect((yield* assigned.consumer.fetchMessageQueues(topic)).length).toBeGreaterThan(0)
        yield* assigned.consumer.assign([queue])
        yield* assigned.consumer.seekToBegin(queue)
        const fromQueue: Array<MessageExt> = []
        while (fromQueue.length < ofQueue.length) fromQueue.push(...(yield* assigned.consumer.poll("10 seconds")))
        expect(fromQueue.map((m) => m.queueOffset)).toEqual(ofQueue.map((s) => s.queueOffset).sort((a, b) => a - b))
        expect(fromQueue.map((m) => m.msgId)).toEqual(
          [...ofQueue].sort((a, b) => a.queueOffset - b.queueOffset).map((s) => s.msgId)
        )
        yield* assigned.close

        // Every pull went as Java of the broker's line sends it: LITE_PULL_MESSAGE (361) with `maxMsgBytes` to 5.x,
        // PULL_MESSAGE to 4.x (which does not know 361); both with the lite-pull flag (22 = suspend|subscription|lite).
        const lite = line.line === "5"
        const pulls = recorder.requests.map((r) => r.request)
        expect(pulls.length).toBeGreaterThan(0)
        expect(new Set(pulls.map((r) => r.code))).toEqual(
          new Set([lite ? RequestCode.LITE_PULL_MESSAGE : RequestCode.PULL_MESSAGE])
        )
        expect(new Set(pulls.map((r) => `${r.extFields?.sysFlag} ${r.extFields?.maxMsgBytes}`))).toEqual(
          new Set([lite ? "22 2147483647" : "22 undefined"])
        )
      }),
    180_000
  )

  it.test(
    "a Java DefaultLitePullConsumer and ours in one group split the queues: each message read once",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const topic = unique("LiteMixed")
        const group = unique("lite_mixed")
        // The topic exists (four queues, from TBW102) before either consumer starts.
        yield* runToEnd(line.client, [
          "produce",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "1"]
        ], "60 seconds")
        const java = yield* start(line.client, [
          "lite-pull",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--group", group, "--from", "last"]
        ])
        yield* java.awaitEvent(isEvent("assigned", (e) => e.queues.length === 4), "60 seconds", "Java holds 4 queues")
        const ours = yield* litePull({ group, subscriptions: [{ topic }] }, "lite-mixed-ours")
        yield* java.awaitEvent(isEvent("assigned", (e) => e.queues.length === 2), "60 seconds", "two queues for Java")
        yield* eventually(Effect.map(ours.consumer.assignment, (qs) => qs.length === 2))
        const javaQueues = java.received().filter(isEvent("assigned")).at(-1)!.queues.map((q) => q.queueId)
        const ourQueues = (yield* ours.consumer.assignment).map((q) => q.queueId)
        expect([...javaQueues, ...ourQueues].sort()).toEqual([0, 1, 2, 3])

        const sent = yield* runToEnd(line.client, [
          "produce",
          ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "40"]
        ], "60 seconds")
        const ids = new Set(sent.filter(isEvent("sent")).map((s) => s.msgId))
        const oursGot: Array<MessageExt> = []
        const javaGot = () => java.received().filter(isEvent("message", (m) => ids.has(m.msgId)))
        yield* eventually(Effect.gen(function*() {
          oursGot.push(...(yield* ours.consumer.poll("1 second")).filter((m) => ids.has(m.msgId)))
          return oursGot.length + javaGot().length >= 40
        }))
        expect(new Set([...oursGot.map((m) => m.msgId), ...javaGot().map((m) => m.msgId)]).size).toBe(40)
        expect(oursGot.length + javaGot().length).toBe(40)
        expect(oursGot.every((m) => ourQueues.includes(m.queueId))).toBe(true)
        expect(javaGot().every((m) => javaQueues.includes(m.queueId))).toBe(true)
        yield* ours.close
        yield* java.send("stop")
        yield* java.awaitExit
      }),
    180_000
  )
})
