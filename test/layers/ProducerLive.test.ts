import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Fiber, Layer, Redacted, Stream, TestClock } from "effect"
import * as ClientInstanceLive from "../../src/layers/ClientInstanceLive.js"
import * as ProducerLive from "../../src/layers/ProducerLive.js"
import * as TopicRouteCacheLive from "../../src/layers/TopicRouteCacheLive.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { BrokerResponseError } from "../../src/services/BrokerResponseError.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { batchEntrySize, MessageValidationError, splitBatch } from "../../src/services/Message.js"
import { withoutNamespace, wrapNamespace } from "../../src/services/Namespace.js"
import { NoRouteError, Producer, QueueSelectors } from "../../src/services/Producer.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { LatencyFaultTable, publishQueues, selectQueue } from "../../src/services/TopicPublishInfo.js"
import { clientOn, pull, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../support/Eventually.js"

const producer = (options: Partial<ProducerLive.ProducerOptions> = {}) =>
  ProducerLive.layer({ group: "orders_producer", ...options }).pipe(
    Layer.provideMerge(ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "producer-test" })),
    Layer.provideMerge(TopicRouteCacheLive.layer),
    Layer.provideMerge(clientOn())
  )

const sends = (broker: string) =>
  Effect.flatMap(
    EmbeddedCluster,
    (c) => Effect.map(c.receivedRequests(broker), (all) => all.filter((r) => r.code === RequestCode.SEND_MESSAGE_V2))
  )

const text = (s: string) => Buffer.from(s)

/**
 * Waits until broker-a has received `count` requests with `code` in all, then lets its fibers run: a oneway request
 * has no answer to await, and the broker acts on it when it receives it.
 */
const brokerReceived = (code: number, count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* eventually(
      Effect.map(cluster.receivedRequests("broker-a"), (received) =>
        received.filter((r) => r.code === code).length >= count),
      { what: `broker-a received ${count} requests with code ${code}` }
    )
    yield* fibersSettle()
  })

describe("the producer", () => {
  it.scoped("sends a message and reports where it went; the broker stores it with its keys, tags and unique id", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const result = yield* p.send({ topic: "Orders", body: text("hello"), tags: "TagA", keys: ["k1", "k2"] })
      expect(result).toMatchObject({
        sendStatus: "SEND_OK",
        queueOffset: 0,
        messageQueue: { topic: "Orders", queueId: 0 }
      })
      expect(result.msgId).toMatch(/^[0-9A-F]{32}$/)
      const client = yield* RemotingClient
      const [stored] = Either.getOrThrow(
        decodeMessages((yield* client.invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!)
      )
      expect(stored!.properties).toMatchObject({ TAGS: "TagA", KEYS: "k1 k2", UNIQ_KEY: result.msgId })
      expect(stored!.offsetMsgId).toBe(result.offsetMsgId)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("refuses a bad message before anything is sent", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const p = yield* Producer
      const bad = [
        { topic: "Orders", body: text("") },
        { topic: "bad topic!", body: text("x") },
        { topic: "SCHEDULE_TOPIC_XXXX", body: text("x") },
        { topic: "Orders", body: text("x"), properties: { UNIQ_KEY: "mine" } },
        { topic: "Orders", body: Buffer.alloc(2048) }
      ]
      for (const message of bad) {
        expect(yield* Effect.flip(p.send(message))).toBeInstanceOf(MessageValidationError)
      }
      expect(yield* sends("broker-a")).toEqual([])
    }).pipe(Effect.provide(producer({ maxMessageSize: 1024 })), Effect.provide(withCluster())))

  it.scoped("a retryable failure is tried again on another broker", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      yield* cluster.failNext("broker-a", RequestCode.SEND_MESSAGE_V2, 1, ResponseCode.SERVICE_NOT_AVAILABLE)
      const p = yield* Producer
      const result = yield* p.send({ topic: "Orders", body: text("x") })
      expect(result.messageQueue.brokerName).toBe("broker-b")
      expect((yield* sends("broker-a")).length).toBe(1)
      expect((yield* sends("broker-b")).length).toBe(1)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster({ brokers: 2 }))))

  it("a 5.x broker's refused signature (NO_PERMISSION, check signature failed) is not tried again; other NO_PERMISSION is", () => {
    const answer = (remark: string) =>
      new BrokerResponseError({
        address: "127.0.0.1:10911",
        requestCode: RequestCode.SEND_MESSAGE_V2,
        responseCode: ResponseCode.NO_PERMISSION,
        remark
      })
    expect(ProducerLive.isRetryable(answer("check signature failed."))).toBe(false)
    expect(ProducerLive.isRetryable(answer("the broker[broker-a] sending message is forbidden"))).toBe(true)
  })

  it.scoped("an ACL refusal is not tried again", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const p = yield* Producer
      const error = yield* Effect.flip(p.send({ topic: "Orders", body: text("x") }))
      expect(error).toBeInstanceOf(BrokerResponseError)
      expect((error as BrokerResponseError).remark).toContain("AclException")
      expect(ProducerLive.isRetryable(error)).toBe(false)
      expect((yield* sends("broker-a")).length).toBe(1)
    }).pipe(
      Effect.provide(producer()),
      Effect.provide(withCluster({
        broker: { acl: [{ accessKey: "ak", secretKey: Redacted.make("sk"), admin: true }] }
      }))
    ))

  it.scoped("compresses a body over 4 KiB with zlib, and it comes back whole", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const body = Buffer.from("abcdefghijklmnopqrstuvwxyz".repeat(200))
      yield* p.send({ topic: "Orders", body })
      const [stored] = Either.getOrThrow(decodeMessages(
        (yield* (yield* RemotingClient).invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!
      ))
      expect(stored!.sysFlag & 0x301).toBe(0x301)
      expect(Buffer.from(stored!.body).equals(body)).toBe(true)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("messages with one sharding key land on one queue, in order; oneway and chosen-queue sends arrive", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 4, writeQueueNums: 4 })
      const p = yield* Producer
      const byOrder = QueueSelectors.byHash((m) => m.keys?.[0] ?? "")
      const results = yield* Effect.forEach(
        [1, 2, 3, 4, 5],
        (i) => p.send({ topic: "Orders", body: text(`step ${i}`), keys: ["order-42"] }, { selector: byOrder })
      )
      expect(new Set(results.map((r) => r.messageQueue.queueId)).size).toBe(1)
      expect(results.map((r) => r.queueOffset)).toEqual([0, 1, 2, 3, 4])
      const chosen = { topic: "Orders", brokerName: "broker-a", queueId: (results[0]!.messageQueue.queueId + 1) % 4 }
      expect((yield* p.send({ topic: "Orders", body: text("here") }, { queue: chosen })).messageQueue).toEqual(chosen)
      yield* p.sendOneway({ topic: "Orders", body: text("fire and forget") })
      yield* brokerReceived(RequestCode.SEND_MESSAGE_V2, 7)
      expect((yield* sends("broker-a")).length).toBe(7)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.scoped("creates a topic through the default topic, and names the topic and name servers when there is no route", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const p = yield* Producer
      const created = yield* p.send({ topic: "Fresh", body: text("x") })
      expect(created.sendStatus).toBe("SEND_OK")
      yield* cluster.stopBroker("broker-a")
      const error = yield* Effect.flip(p.send({ topic: "Nowhere", body: text("x") }))
      expect(error).toBeInstanceOf(NoRouteError)
      expect(error.message).toContain("Nowhere")
      expect(error.message).toContain(cluster.nameServerAddress)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))
})

describe("batches, streams and queue selection", () => {
  it.scoped("a batch goes as one SEND_BATCH_MESSAGE, each message with its own unique id; Java's batch rules hold", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const batch = [0, 1, 2].map((i) => ({
        topic: "Orders",
        body: text(`batch-${i}`),
        keys: [`BATCH-${i}`],
        tags: "TagA"
      }))
      const result = yield* p.sendBatch(batch)
      expect(result.msgId.split(",")).toHaveLength(3)
      expect(result.queueOffset).toBe(0)
      const stored = Either.getOrThrow(decodeMessages(
        (yield* (yield* RemotingClient).invoke(cluster.brokers[0]!.address, pull("Orders", 0))).body!
      ))
      expect(stored.map((m) => m.properties.KEYS)).toEqual(["BATCH-0", "BATCH-1", "BATCH-2"])
      expect(stored.map((m) => m.msgId)).toEqual(result.msgId.split(","))
      const mixed = yield* Effect.flip(p.sendBatch([batch[0]!, { topic: "Other", body: text("x") }]))
      expect(mixed.message).toContain("should be the same")
      const delayed = yield* Effect.flip(p.sendBatch([{ ...batch[0]!, delayTimeLevel: 2 }]))
      expect(delayed.message).toContain("TimeDelayLevel is not supported")
      expect((yield* Effect.flip(p.sendBatch([{ topic: "%RETRY%g", body: text("x") }]))).message).toContain(
        "Retry Group"
      )
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))

  it.prop("the splitter never exceeds the limit and keeps order", [
    fc.array(fc.record({ size: fc.nat(3000), key: fc.string({ maxLength: 10 }) }), { maxLength: 60 }),
    fc.integer({ min: 4000, max: 20000 })
  ], ([specs, limit]) => {
    const messages = specs.map((s, i) => ({ topic: "T", body: Buffer.alloc(s.size), keys: [`${i}-${s.key}`] }))
    const batches = splitBatch(messages, limit)
    expect(batches.flat()).toEqual(messages)
    for (const b of batches) {
      if (b.length > 1) expect(b.reduce((n, m) => n + batchEntrySize(m), 0)).toBeLessThanOrEqual(limit)
    }
  })

  it.prop("round-robin selection spreads sends evenly over the writable queues", [
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 8 }),
    fc.integer({ min: 1, max: 200 }),
    fc.nat(1000)
  ], ([brokers, queuesEach, sends, start]) => {
    const route = {
      brokerDatas: Array.from({ length: brokers }, (_, b) => ({
        brokerAddrs: { "0": `10.0.0.${b}:10911` },
        brokerName: `broker-${b}`,
        cluster: "c"
      })),
      filterServerTable: {},
      queueDatas: Array.from({ length: brokers }, (_, b) => ({
        brokerName: `broker-${b}`,
        perm: 6,
        readQueueNums: queuesEach,
        topicSysFlag: 0,
        writeQueueNums: queuesEach
      }))
    }
    const queues = publishQueues("T", route)
    expect(queues).toHaveLength(brokers * queuesEach)
    const counts = new Map<string, number>()
    for (let i = 0; i < sends; i++) {
      const q = selectQueue(queues, start + i)!
      counts.set(`${q.brokerName}#${q.queueId}`, (counts.get(`${q.brokerName}#${q.queueId}`) ?? 0) + 1)
    }
    const values = queues.map((q) => counts.get(`${q.brokerName}#${q.queueId}`) ?? 0)
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1)
  })

  it("read-only queues and brokers without a master are never published to; a failed broker is avoided", () => {
    const queues = publishQueues("T", {
      brokerDatas: [
        { brokerAddrs: { "0": "a:1" }, brokerName: "a", cluster: "c" },
        { brokerAddrs: { "1": "b-slave:1" }, brokerName: "b", cluster: "c" },
        { brokerAddrs: { "0": "c:1" }, brokerName: "c", cluster: "c" }
      ],
      filterServerTable: {},
      queueDatas: [
        { brokerName: "a", perm: 6, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 },
        { brokerName: "b", perm: 6, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 },
        { brokerName: "c", perm: 4, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 }
      ]
    })
    expect(queues.map((q) => q.brokerName)).toEqual(["a", "a"])
    const two = publishQueues("T", {
      brokerDatas: [
        { brokerAddrs: { "0": "a:1" }, brokerName: "a", cluster: "c" },
        { brokerAddrs: { "0": "b:1" }, brokerName: "b", cluster: "c" }
      ],
      filterServerTable: {},
      queueDatas: [
        { brokerName: "a", perm: 6, readQueueNums: 1, topicSysFlag: 0, writeQueueNums: 1 },
        { brokerName: "b", perm: 6, readQueueNums: 1, topicSysFlag: 0, writeQueueNums: 1 }
      ]
    })
    expect(selectQueue(two, 0, "a")!.brokerName).toBe("b")
    const table = new LatencyFaultTable()
    table.update("a", 600, 0)
    expect(table.isAvailable("a", 29_999)).toBe(false)
    expect(table.isAvailable("a", 30_000)).toBe(true)
    expect(selectQueue(two, 0, undefined, (b) => table.isAvailable(b, 10))!.brokerName).toBe("b")
  })

  it.scoped("Producer.sink sends a stream with bounded concurrency and returns the results in order", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const results = yield* Stream.range(0, 49).pipe(
        Stream.map((i) => ({ topic: "Orders", body: text(`m${i}`), keys: [`k${i}`] })),
        Stream.run(Producer.sink({ concurrency: 8 }))
      )
      expect(results).toHaveLength(50)
      expect(new Set(results.map((r) => r.queueOffset)).size).toBe(50)
      expect(results.every((r) => r.sendStatus === "SEND_OK")).toBe(true)
    }).pipe(Effect.provide(producer()), Effect.provide(withCluster())))
})

describe("transactions", () => {
  const txProducer = producer({
    group: "tx_group",
    transactionChecker: (message) =>
      Effect.succeed(message.properties.KEYS === "TX-UNKNOWN" ? "COMMIT_MESSAGE" as const : "ROLLBACK_MESSAGE" as const)
  })

  it.scoped("commit shows the message, rollback never does, and a failed local transaction is settled by check-back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const client = yield* RemotingClient
      const bodies = Effect.map(
        client.invoke(cluster.brokers[0]!.address, pull("Orders", 0)),
        (answer) =>
          answer.body === undefined
            ? []
            : Either.getOrThrow(decodeMessages(answer.body)).map((m) => Buffer.from(m.body).toString())
      )
      const committed = yield* p.sendInTransaction(
        { topic: "Orders", body: text("commit"), keys: ["TX-COMMIT"] },
        () => Effect.succeed("COMMIT_MESSAGE" as const)
      )
      expect(committed.localTransactionState).toBe("COMMIT_MESSAGE")
      const rolledBack = yield* p.sendInTransaction(
        { topic: "Orders", body: text("rollback"), keys: ["TX-ROLLBACK"] },
        () => Effect.succeed("ROLLBACK_MESSAGE" as const)
      )
      expect(rolledBack.localTransactionState).toBe("ROLLBACK_MESSAGE")
      const failed = yield* p.sendInTransaction(
        { topic: "Orders", body: text("unknown"), keys: ["TX-UNKNOWN"] },
        () => Effect.fail("the database went away")
      )
      expect(failed.localTransactionState).toBe("UNKNOW")
      // The three oneway END_TRANSACTIONs (commit, rollback, unknown) acted on.
      yield* brokerReceived(RequestCode.END_TRANSACTION, 3)
      expect(yield* bodies).toEqual(["commit"])
      yield* TestClock.adjust("61 seconds") // the broker's check-back; the checker commits TX-UNKNOWN
      yield* brokerReceived(RequestCode.END_TRANSACTION, 4)
      expect(yield* bodies).toEqual(["commit", "unknown"])
    }).pipe(Effect.provide(txProducer), Effect.provide(withCluster())))
})

describe("latency fault tolerance", () => {
  it.scoped("a slow broker is avoided for Java's period, then used again", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const send = p.send({ topic: "Orders", body: text("x") }, { timeout: "10 seconds" })
      yield* cluster.setLatency("broker-a", "600 millis")
      const delayedBefore = yield* sleepsEndingIn(600)
      const slow = yield* Effect.fork(send)
      // The answer is held back: the broker's delay line sleeps on the TestClock until it is due, 600 ms from now.
      yield* eventually(Effect.map(sleepsEndingIn(600), (sleeps) => sleeps > delayedBefore), {
        what: "broker-a holds the answer back by its latency"
      })
      expect(slow.unsafePoll()).toBeNull()
      yield* TestClock.adjust("600 millis")
      expect((yield* Fiber.join(slow)).messageQueue.brokerName).toBe("broker-a")
      yield* cluster.setLatency("broker-a", 0)
      const during = yield* Effect.forEach([1, 2, 3, 4], () => Effect.map(send, (r) => r.messageQueue.brokerName))
      expect(during).toEqual(["broker-b", "broker-b", "broker-b", "broker-b"])
      yield* TestClock.adjust("30 seconds")
      const after = yield* Effect.forEach([1, 2], () => Effect.map(send, (r) => r.messageQueue.brokerName))
      expect(after).toContain("broker-a")
    }).pipe(Effect.provide(producer({ sendLatencyFaultEnable: true })), Effect.provide(withCluster({ brokers: 2 }))))
})

describe("namespaces", () => {
  it("wrap and unwrap topics and groups as Java does", () => {
    expect(wrapNamespace("ns1", "Orders")).toBe("ns1%Orders")
    expect(wrapNamespace("ns1", "%RETRY%group")).toBe("%RETRY%ns1%group")
    expect(wrapNamespace("ns1", "ns1%Orders")).toBe("ns1%Orders")
    expect(wrapNamespace("ns1", "TBW102")).toBe("TBW102")
    expect(wrapNamespace(undefined, "Orders")).toBe("Orders")
    expect(withoutNamespace("ns1%Orders")).toBe("Orders")
    expect(withoutNamespace("%DLQ%ns1%group")).toBe("%DLQ%group")
    expect(withoutNamespace("Orders")).toBe("Orders")
  })

  it.scoped("a producer in a namespace sends to the wrapped topic and reports the plain one", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("ns1%Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const p = yield* Producer
      const result = yield* p.send({ topic: "Orders", body: text("x") })
      expect(result.messageQueue.topic).toBe("Orders")
      const [sent] = yield* sends("broker-a")
      expect(sent!.extFields).toMatchObject({ b: "ns1%Orders", a: "ns1%orders_producer" })
    }).pipe(
      Effect.provide(
        ProducerLive.layer({ group: "orders_producer" }).pipe(
          Layer.provideMerge(ClientInstanceLive.layer({ clientIP: "10.0.0.7", instanceName: "ns", namespace: "ns1" })),
          Layer.provideMerge(TopicRouteCacheLive.layer),
          Layer.provideMerge(clientOn())
        )
      ),
      Effect.provide(withCluster())
    ))
})
