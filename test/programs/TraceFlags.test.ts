import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { decodeMessages } from "../../src/protocol/MessageDecoder.js"
import { ResponseCode } from "../../src/protocol/ResponseCode.js"
import { decodeTraceData, type TraceRecord } from "../../src/protocol/TraceData.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { cliInProcess } from "../support/CliInProcess.js"
import { clientOn, pull } from "../support/EmbeddedClient.js"

const cli = cliInProcess

/** Every trace record stored in a topic's queue 0 on broker-a. */
const traceRecords = (topic: string) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    const client = yield* RemotingClient
    const answer = yield* Effect.orDie(client.invoke(cluster.brokers[0]!.address, pull(topic, 0)))
    if (answer.code !== ResponseCode.SUCCESS) return []
    return Either.getOrThrow(decodeMessages(answer.body!)).flatMap((m): ReadonlyArray<TraceRecord> =>
      Either.getOrThrow(decodeTraceData(Buffer.from(m.body).toString("utf8")))
    )
  })

describe("effect-rocketmq produce and consume --trace", () => {
  it.live("turn message trace on for the command's own client: Pub, then SubBefore and SubAfter, in the trace topic", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      yield* cluster.createTopic("Orders", { readQueueNums: 1, writeQueueNums: 1 })
      const ns = cluster.nameServerAddress
      const produced = yield* cli(
        "produce",
        "--namesrv",
        ns,
        "--topic",
        "Orders",
        "--keys",
        "k1",
        "--count",
        "2",
        "--trace"
      )
      expect(Exit.isSuccess(produced.exit)).toBe(true)
      const ids = produced.out.map((l) => JSON.parse(l).msgId as string)
      // The command closes its client before it returns, which sends the records still queued.
      const pubs = yield* traceRecords("RMQ_SYS_TRACE_TOPIC")
      expect(pubs).toMatchObject(
        ids.map((msgId) => ({ _tag: "Pub", msgId, keys: "k1", topic: "Orders", success: true }))
      )
      const consumed = yield* cli(
        "consume",
        "--namesrv",
        ns,
        "--topic",
        "Orders",
        "--group",
        "cli_traced",
        "--from",
        "first",
        "--count",
        "2",
        "--trace",
        "--trace-topic",
        "CliTrace"
      )
      expect(Exit.isSuccess(consumed.exit)).toBe(true)
      const subs = yield* traceRecords("CliTrace")
      expect(subs.filter((r) => r._tag === "SubBefore").map((r) => r.msgId)).toEqual(ids)
      expect(subs.filter((r) => r._tag === "SubAfter")).toMatchObject(
        ids.map((msgId) => ({ msgId, success: true, contextCode: 0, groupName: "cli_traced" }))
      )
      // Without --trace, nothing more is recorded.
      yield* cli("produce", "--namesrv", ns, "--topic", "Orders", "--count", "1")
      expect((yield* traceRecords("RMQ_SYS_TRACE_TOPIC")).length).toBe(2)
    }).pipe(Effect.provide(clientOn()), Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))

  it.live("a bad --trace-topic is refused before anything is sent", () =>
    Effect.gen(function*() {
      const cluster = yield* EmbeddedCluster
      const { exit, out } = yield* cli(
        "produce",
        "--namesrv",
        cluster.nameServerAddress,
        "--topic",
        "Orders",
        "--trace",
        "--trace-topic",
        "bad topic!"
      )
      expect(out).toEqual([])
      expect(String(Exit.isFailure(exit) && exit.cause)).toContain(
        "The specified topic[bad topic!] contains illegal characters"
      )
    }).pipe(Effect.provide(EmbeddedClusterLive.layer()), Effect.scoped))
})
