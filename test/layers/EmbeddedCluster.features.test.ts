import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Redacted, TestClock } from "effect"
import { decodeBody, encodeBody } from "../../src/protocol/bodies/Body.js"
import {
  ConsumerListBody,
  LockBatchRequestBody,
  LockBatchResponseBody
} from "../../src/protocol/bodies/ConsumerGroupBodies.js"
import { HeartbeatData } from "../../src/protocol/bodies/HeartbeatData.js"
import { decodeHeader, encodeHeader } from "../../src/protocol/headers/CommandHeader.js"
import { ConsumerSendMsgBackRequestHeader } from "../../src/protocol/headers/SendHeaders.js"
import {
  CheckTransactionStateRequestHeader,
  EndTransactionRequestHeader
} from "../../src/protocol/headers/TransactionHeaders.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { decodeOffsetMessageId } from "../../src/protocol/MessageId.js"
import { MessageSysFlag } from "../../src/protocol/MessageSysFlag.js"
import { type RemotingCommand, request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { aclRpcHook } from "../../src/services/AclCredentials.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { RequestHandlers } from "../../src/services/RequestHandlers.js"
import { clientOn, heartbeat, pull, send, withCluster } from "../support/EmbeddedClient.js"
import { eventually, fibersSettle, sleepsEndingIn } from "../support/Eventually.js"

const producerHeartbeat = (clientID: string, groupName: string) =>
  request(RequestCode.HEART_BEAT, {}, {
    body: encodeBody(HeartbeatData, { clientID, producerDataSet: [{ groupName }], consumerDataSet: [] })
  })

const halfMessage = (keys: string) =>
  send("Orders", `tx ${keys}`, {
    KEYS: keys,
    TAGS: "TagA",
    TRAN_MSG: "true",
    PGROUP: "tx_group",
    UNIQ_KEY: `UNIQ-${keys}`
  })

const endTransaction = (sent: RemotingCommand, msgId: string, commitOrRollback: number, fromCheck = false) =>
  request(
    RequestCode.END_TRANSACTION,
    Either.getOrThrow(encodeHeader(EndTransactionRequestHeader, {
      producerGroup: "tx_group",
      tranStateTableOffset: Number(sent.extFields!.queueOffset),
      commitLogOffset: Either.getOrThrow(decodeOffsetMessageId(sent.extFields!.msgId!)).commitLogOffset,
      commitOrRollback,
      fromTransactionCheck: fromCheck,
      msgId
    })),
    { oneway: true }
  )

const bodies = (answer: RemotingCommand) =>
  answer.body === undefined
    ? []
    : Either.getOrThrow(decodeMessages(answer.body)).map((m) => Buffer.from(m.body).toString())

/**
 * Waits until broker-a has received `count` requests with `code` in all, then lets its fibers run: a oneway request
 * has no answer to await, and the broker acts on these in a fiber of its own (no I/O in it) started when it received
 * the request.
 */
const brokerActedOn = (code: number, count: number) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* eventually(
      Effect.map(
        cluster.receivedRequests("broker-a"),
        (received) => received.filter((r) => r.code === code).length >= count
      ),
      { what: `broker-a received ${count} requests with code ${code}` }
    )
    yield* fibersSettle()
  })

describe("embedded cluster features", () => {
  it.scoped("transactions: commit shows the message, rollback never does, unknown is checked back", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const client = yield* RemotingClient
      const handlers = yield* RequestHandlers
      const broker = cluster.brokers[0]!.address
      yield* client.invoke(broker, producerHeartbeat("10.0.0.1@tx", "tx_group"))
      const checked = yield* Deferred.make<RemotingCommand>()
      yield* handlers.register(
        RequestCode.CHECK_TRANSACTION_STATE,
        (r) => Effect.as(Deferred.succeed(checked, r), undefined)
      )
      const commit = yield* client.invoke(broker, halfMessage("TX-COMMIT"))
      const rollback = yield* client.invoke(broker, halfMessage("TX-ROLLBACK"))
      const unknown = yield* client.invoke(broker, halfMessage("TX-UNKNOWN"))
      expect(bodies(yield* client.invoke(broker, pull("Orders", 0)))).toEqual([])
      yield* client.invokeOneway(broker, endTransaction(commit, "c", MessageSysFlag.TRANSACTION_COMMIT_TYPE))
      yield* client.invokeOneway(broker, endTransaction(rollback, "r", MessageSysFlag.TRANSACTION_ROLLBACK_TYPE))
      yield* client.invokeOneway(broker, endTransaction(unknown, "u", MessageSysFlag.TRANSACTION_NOT_TYPE))
      yield* brokerActedOn(RequestCode.END_TRANSACTION, 3)
      expect(bodies(yield* client.invoke(broker, pull("Orders", 0)))).toEqual(["tx TX-COMMIT"])
      // The check-back runs every 60 s for half messages older than 6 s.
      yield* TestClock.adjust("61 seconds")
      const check = yield* Deferred.await(checked)
      const header = Either.getOrThrow(decodeHeader(CheckTransactionStateRequestHeader, check.extFields))
      expect(header.msgId).toBe("UNIQ-TX-UNKNOWN")
      const [half] = Either.getOrThrow(decodeMessages(check.body!))
      expect(half!.properties).toMatchObject({ KEYS: "TX-UNKNOWN", TRANSACTION_CHECK_TIMES: "1", REAL_TOPIC: "Orders" })
      expect(half!.topic).toBe("Orders")
      yield* client.invokeOneway(
        broker,
        request(
          RequestCode.END_TRANSACTION,
          Either.getOrThrow(encodeHeader(EndTransactionRequestHeader, {
            producerGroup: "tx_group",
            tranStateTableOffset: header.tranStateTableOffset,
            commitLogOffset: header.commitLogOffset,
            commitOrRollback: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
            fromTransactionCheck: true,
            msgId: header.msgId!
          })),
          { oneway: true }
        )
      )
      yield* brokerActedOn(RequestCode.END_TRANSACTION, 4)
      const all = yield* client.invoke(broker, pull("Orders", 0))
      expect(bodies(all)).toEqual(["tx TX-COMMIT", "tx TX-UNKNOWN"])
      expect(Either.getOrThrow(decodeMessages(all.body!))[0]!.sysFlag & 0xc).toBe(
        MessageSysFlag.TRANSACTION_COMMIT_TYPE
      )
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a message sent back is retried on the group's retry topic, and past max reconsume times dead-lettered", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const sent = yield* client.invoke(broker, send("Orders", "payload", { TAGS: "TagA" }))
      const offset = Either.getOrThrow(decodeOffsetMessageId(sent.extFields!.msgId!)).commitLogOffset
      const back = (maxReconsumeTimes: number) =>
        request(
          RequestCode.CONSUMER_SEND_MSG_BACK,
          Either.getOrThrow(encodeHeader(ConsumerSendMsgBackRequestHeader, {
            offset,
            group: "g1",
            delayLevel: 0,
            originTopic: "Orders",
            unitMode: false,
            maxReconsumeTimes
          }))
        )
      expect((yield* client.invoke(broker, back(16))).code).toBe(ResponseCode.SUCCESS)
      expect((yield* client.invoke(broker, back(0))).code).toBe(ResponseCode.SUCCESS)
      const dlq = yield* client.invoke(broker, pull("%DLQ%g1", 0))
      expect(Either.getOrThrow(decodeMessages(dlq.body!))[0]).toMatchObject({ reconsumeTimes: 1, topic: "%DLQ%g1" })
      expect((yield* client.invoke(broker, pull("%RETRY%g1", 0))).code).toBe(ResponseCode.PULL_NOT_FOUND)
      yield* TestClock.adjust("10 seconds") // delay level 3 + reconsume times 0
      const retry = Either.getOrThrow(decodeMessages((yield* client.invoke(broker, pull("%RETRY%g1", 0))).body!))
      expect(retry[0]!.properties).toMatchObject({ RETRY_TOPIC: "Orders", DELAY: "3" })
      expect(retry[0]!.reconsumeTimes).toBe(1)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a queue lock belongs to one client until it lapses after 60 s", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const queue = { brokerName: "broker-a", queueId: 0, topic: "Orders" }
      const lock = (clientId: string) =>
        Effect.map(
          client.invoke(
            broker,
            request(RequestCode.LOCK_BATCH_MQ, {}, {
              body: encodeBody(LockBatchRequestBody, { clientId, consumerGroup: "g", mqSet: [queue] })
            })
          ),
          (r) => Either.getOrThrow(decodeBody(LockBatchResponseBody, r.body)).lockOKMQSet.length
        )
      expect(yield* lock("a")).toBe(1)
      expect(yield* lock("b")).toBe(0)
      yield* TestClock.adjust("61 seconds")
      expect(yield* lock("b")).toBe(1)
      expect(yield* lock("a")).toBe(0)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a broker keeps the latest 10,000 requests it received (up to 20,000), not every one", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      const total = 20_005
      yield* Effect.forEach(
        Array.from({ length: total }, (_, i) => i),
        (i) => client.invoke(broker, request(RequestCode.GET_MAX_OFFSET, { topic: "Orders", queueId: String(i) })),
        { concurrency: 512, discard: true }
      )
      const kept = yield* cluster.receivedRequests("broker-a")
      expect(kept.length).toBeGreaterThanOrEqual(10_000)
      expect(kept.length).toBeLessThanOrEqual(20_000)
      const asked = kept.filter((r) => r.code === RequestCode.GET_MAX_OFFSET).map((r) => Number(r.extFields.queueId))
      expect(new Set(asked.slice(-10_000)).size).toBe(10_000)
      expect(Math.max(...asked)).toBe(total - 1)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("with an access list, a wrong signature and a denied topic are refused as the real broker words it", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      yield* cluster.createTopic("Secret")
      const broker = cluster.brokers[0]!.address
      const call = (secret: string, topic: string) =>
        Effect.flatMap(RemotingClient, (c) => c.invoke(broker, send(topic, "x", {}))).pipe(
          Effect.provide(clientOn(undefined, [aclRpcHook({ accessKey: "ak-1", secretKey: Redacted.make(secret) })]))
        )
      expect((yield* call("sk-secret", "Orders")).code).toBe(ResponseCode.SUCCESS)
      const wrong = yield* call("not-it", "Orders")
      expect(wrong.code).toBe(ResponseCode.SYSTEM_ERROR)
      expect(wrong.remark).toContain("AclException: Check signature failed for accessKey=ak-1")
      const denied = yield* call("sk-secret", "Secret")
      expect(denied.remark).toContain("No default permission for topic=Secret")
    }).pipe(
      Effect.provide(withCluster({
        broker: {
          acl: [{
            accessKey: "ak-1",
            secretKey: Redacted.make("sk-secret"),
            defaultTopicPerm: "PUB|SUB",
            topicPerms: { Secret: "DENY" }
          }]
        }
      }))
    ))

  it.scoped("faults: added latency, failed requests, a cut client", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders")
      const client = yield* RemotingClient
      const broker = cluster.brokers[0]!.address
      yield* cluster.failNext("broker-a", RequestCode.SEND_MESSAGE_V2, 2, ResponseCode.SYSTEM_BUSY, "busy")
      const codes = yield* Effect.forEach([1, 2, 3], () =>
        Effect.map(client.invoke(broker, send("Orders", "x", {})), (r) => r.code))
      expect(codes).toEqual([ResponseCode.SYSTEM_BUSY, ResponseCode.SYSTEM_BUSY, ResponseCode.SUCCESS])
      yield* cluster.setLatency("broker-a", "2 seconds")
      const delayedBefore = yield* sleepsEndingIn(2000)
      const slow = yield* Effect.fork(client.invoke(broker, send("Orders", "x", {}), "10 seconds"))
      // The answer is held back: the broker's delay line sleeps on the TestClock until it is due, 2 s from now.
      const heldBack = Effect.map(sleepsEndingIn(2000), (sleeps) =>
        sleeps > delayedBefore)
      yield* eventually(heldBack, { what: "the broker holds the answer back by its latency" })
      expect(slow.unsafePoll()).toBeNull()
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(slow)).code).toBe(ResponseCode.SUCCESS)
      yield* cluster.setLatency("broker-a", 0)
      yield* client.invoke(broker, heartbeat("10.0.0.9@cut", "g"))
      yield* cluster.cutClient("10.0.0.9@cut")
      yield* eventually(Effect.map(client.connectedAddresses, (addresses) => addresses.length === 0), {
        what: "the client has seen its connection cut"
      })
      expect(yield* client.connectedAddresses).toEqual([])
      expect((yield* client.invoke(broker, send("Orders", "again", {}))).code).toBe(ResponseCode.SUCCESS)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))

  it.scoped("a client silent for 120 s leaves its group, and the others are told", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const client = yield* RemotingClient
      const handlers = yield* RequestHandlers
      const broker = cluster.brokers[0]!.address
      let notifications = 0
      yield* handlers.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, () => Effect.sync(() => void notifications++))
      yield* client.invoke(broker, heartbeat("10.0.0.1@a", "g"))
      yield* client.invoke(broker, heartbeat("10.0.0.2@b", "g"))
      // Every member is told of each change: a of its joining, a and b of b's (over this one connection).
      yield* eventually(() => notifications >= 3, { what: "the members told of both joinings" })
      yield* fibersSettle()
      expect(notifications).toBe(3)
      yield* TestClock.adjust("60 seconds")
      yield* client.invoke(broker, heartbeat("10.0.0.1@a", "g"))
      const before = notifications
      yield* TestClock.adjust("70 seconds")
      const list = yield* client.invoke(broker, request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: "g" }))
      expect(Either.getOrThrow(decodeBody(ConsumerListBody, list.body)).consumerIdList).toEqual(["10.0.0.1@a"])
      // b left: a, the one member left, is told.
      yield* eventually(() => notifications > before, { what: "the member left told that b left" })
      yield* fibersSettle()
      expect(notifications).toBe(before + 1)
    }).pipe(Effect.provide(clientOn()), Effect.provide(withCluster())))
})
