// The admin API on a real cluster, checked against what Java's mqadmin shows: a topic we create is in mqadmin's
// route, our group progress is mqadmin's consumerProgress, groups we create and delete are seen by mqadmin, and
// offsets we reset are what the broker keeps.
import { expect } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as AdminLive from "../../src/layers/AdminLive.js"
import { Admin, type QueueProgress } from "../../src/services/Admin.js"
import { Producer } from "../../src/services/Producer.js"
import { consumerOffset, maxOffset } from "./support/BrokerQueries.js"
import { mqadmin } from "./support/MqAdmin.js"
import { clusterName } from "./support/RealCluster.js"
import { client, collect, describeReal, eventually, producer, Real, text, unique } from "./support/RealSuite.js"

const admin = AdminLive.layer().pipe(Layer.provideMerge(client()))

const sendAll = (topic: string, n: number) =>
  Effect.flatMap(
    Producer,
    (p) =>
      Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => p.send({ topic, body: text(`m-${i}`) }), {
        concurrency: 8
      })
  )

/** The rows of `mqadmin consumerProgress -g G`: topic, broker, queue, broker offset, consumer offset, diff. */
const progressRows = (output: string) =>
  output.split("\n").flatMap((line) => {
    const m = /^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(-?\d+)\s/.exec(line)
    return m === null ? [] : [m.slice(1, 7).join(" ")]
  }).sort()

const ourRows = (queues: ReadonlyArray<QueueProgress>) =>
  queues.map((q) => [q.topic, q.brokerName, q.queueId, q.brokerOffset, q.consumerOffset, q.lag].join(" ")).sort()

/** Consumes `n` messages of `topic` in `group`, waits until its offsets are on the broker, and closes it. */
const consumeAll = (group: string, topic: string, n: number) =>
  Effect.gen(function*() {
    const cluster = yield* Real
    const c = yield* collect({ group, subscriptions: [{ topic }] })
    yield* c.awaitCount(n)
    const broker = cluster.brokers[0]!.address
    yield* eventually(
      Effect.map(
        Effect.forEach([0, 1, 2, 3], (q) =>
          Effect.zipWith(consumerOffset(broker, group, topic, q), maxOffset(broker, topic, q), (a, b) => a === b)),
        (all) =>
          all.every(Boolean)
      )
    )
    return c
  })

describeReal("the admin API on a real cluster", {}, (it, line) => {
  it.test("a topic created on the cluster is in mqadmin's topicRoute; it is listed, has stats, and is deleted", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const service = yield* Admin
      const topic = unique("AdminTopic")
      const brokers = yield* service.createTopic({ topic, cluster: clusterName, readQueueNums: 3, writeQueueNums: 3 })
      expect(brokers.map((b) => b.address)).toEqual(cluster.brokers.map((b) => b.address))
      const route = yield* mqadmin(line, cluster.nameServerAddress, ["topicRoute", "-t", topic])
      expect(route).toMatch(/"readQueueNums"\s*:\s*3/)
      expect(route).toMatch(/"writeQueueNums"\s*:\s*3/)
      expect(yield* service.listTopics).toContain(topic)
      yield* sendAll(topic, 9)
      // A real broker builds its consume queues after it answered the send (its dispatch runs behind the commit log):
      // the queues' max offsets reach what was sent a moment later.
      yield* eventually(
        Effect.map(service.topicStats(topic), (stats) => stats.reduce((n, q) => n + q.maxOffset, 0) === 9)
      )
      const stats = yield* service.topicStats(topic)
      expect(stats.length).toBe(3)
      expect(stats.reduce((n, q) => n + q.maxOffset, 0)).toBe(9)
      yield* service.deleteTopic(topic, { cluster: clusterName })
      expect(yield* service.listTopics).not.toContain(topic)
      const gone = yield* Effect.flip(service.topicRoute(topic))
      expect(gone._tag).toBe("BrokerResponseError")
      expect((yield* Effect.flip(service.createTopic({ topic: "TBW102" })))._tag).toBe("AdminValidationError")
    }).pipe(Effect.provide(Layer.merge(admin, producer()))))

  it.test("cluster brokers and their runtime statistics", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const service = yield* Admin
      const brokers = yield* service.clusterBrokers
      expect(brokers.map((b) => [b.cluster, b.brokerId, b.address])).toEqual(
        cluster.brokers.map((b) => [clusterName, 0, b.address])
      )
      const info = yield* service.brokerRuntimeInfo(brokers[0]!.address)
      expect(info.brokerVersionDesc).toMatch(/^V\d/)
    }).pipe(Effect.provide(admin)))

  it.test(
    "group progress is mqadmin's consumerProgress, row for row, with its Diff Total",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const service = yield* Admin
        const topic = unique("Progress")
        const group = unique("g")
        yield* sendAll(topic, 10)
        const c = yield* consumeAll(group, topic, 10)
        const connections = yield* service.groupConnections(group)
        expect(connections.connectionSet.length).toBe(1)
        yield* c.close
        yield* sendAll(topic, 6)
        // A 5.x broker puts a stored message in its consume queue a moment after SEND_OK (dispatched by another
        // thread): the queues' max offsets count all six once it has.
        yield* eventually(Effect.map(service.consumeProgress(group), (p) => p.totalLag === 6), "30 seconds")
        const ours = yield* service.consumeProgress(group)
        const theirs = yield* mqadmin(line, cluster.nameServerAddress, ["consumerProgress", "-g", group])
        expect(ourRows(ours.queues)).toEqual(progressRows(theirs))
        expect(theirs).toContain(`Diff Total: ${ours.totalLag}`)
        expect(ours.totalLag).toBe(6)
      }).pipe(Effect.provide(Layer.merge(admin, Layer.fresh(producer())))),
    180_000
  )

  it.test("a group created and deleted is seen so by mqadmin getConsumerConfig", () =>
    Effect.gen(function*() {
      const cluster = yield* Real
      const service = yield* Admin
      const group = unique("created")
      yield* service.createGroup({ group, cluster: clusterName, retryMaxTimes: 7, consumeBroadcastEnable: false })
      const shown = yield* mqadmin(line, cluster.nameServerAddress, ["getConsumerConfig", "-g", group])
      expect(shown).toMatch(/retryMaxTimes\s+=\s+7/)
      expect(shown).toMatch(/consumeBroadcastEnable\s+=\s+false/)
      expect((yield* service.groupConfigs(group)).map((c) => c.config.retryMaxTimes)).toEqual([7])
      yield* service.deleteGroup(group, { cluster: clusterName })
      const after = yield* mqadmin(line, cluster.nameServerAddress, ["getConsumerConfig", "-g", group])
      // Gone from 4.9; a 5.x broker (autoCreateSubscriptionGroup) makes it again at once with Java's defaults.
      if (line.line === "4.9") expect(after).not.toContain("retryMaxTimes")
      else expect(after).toMatch(/retryMaxTimes\s+=\s+16/)
    }).pipe(Effect.provide(admin)), 180_000)

  it.test(
    "offsets reset: offline by writing them, live through the broker to the consumer",
    () =>
      Effect.gen(function*() {
        const cluster = yield* Real
        const service = yield* Admin
        const broker = cluster.brokers[0]!.address
        const topic = unique("Reset")
        const group = unique("g")
        yield* sendAll(topic, 8)
        const first = yield* consumeAll(group, topic, 8)
        yield* first.close
        const offline = yield* service.resetOffset({ group, topic, timestamp: 0 })
        // A 5.x broker resets a group's offsets itself, consumers online or not (useServerSideResetOffset).
        expect(offline.mode).toBe(line.line === "4.9" ? "offline" : "live")
        expect(offline.queues.map((q) => q.offset)).toEqual([0, 0, 0, 0])
        const offsets = yield* Effect.forEach([0, 1, 2, 3], (q) => consumerOffset(broker, group, topic, q))
        expect(offsets).toEqual([0, 0, 0, 0])

        const again = yield* consumeAll(group, topic, 8)
        const live = yield* service.resetOffset({ group, topic, timestamp: 0 })
        expect(live.mode).toBe("live")
        expect(live.queues.map((q) => q.offset)).toEqual([0, 0, 0, 0])
        yield* again.awaitCount(16)
      }).pipe(Effect.provide(Layer.merge(admin, Layer.fresh(producer())))),
    200_000
  )
})
