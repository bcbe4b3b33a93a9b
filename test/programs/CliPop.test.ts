// `consume --pop` and `produce --deliver-after` as child processes against an embedded cluster in 5.0 mode.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { SetMessageRequestModeRequestBody } from "../../src/protocol/bodies/AssignmentBodies.js"
import { encodeBody } from "../../src/protocol/bodies/Body.js"
import { request } from "../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { RemotingClient } from "../../src/services/RemotingClient.js"
import { clientOn } from "../support/EmbeddedClient.js"
import { lines, run } from "./CliProcess.js"

const jsonLines = (stdout: string) => lines(stdout).map((l) => JSON.parse(l) as Record<string, unknown>)

describe("effect-rocketmq consume --pop and produce --deliver-after (RocketMQ 5.x)", () => {
  it.live(
    "consume --pop pops a group the broker set to POP; produce --deliver-after sends timer messages",
    () =>
      Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        const client = yield* RemotingClient
        yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
        const body = encodeBody(SetMessageRequestModeRequestBody, {
          consumerGroup: "poppers",
          mode: "POP" as const,
          popShareQueueNum: 0,
          topic: "Orders"
        })
        const set = yield* client.invoke(
          cluster.brokers[0]!.address,
          request(RequestCode.SET_MESSAGE_REQUEST_MODE, {}, { body }),
          "3 seconds"
        )
        expect(set.code).toBe(0)
        const ns = cluster.nameServerAddress
        const produced = yield* run([
          "produce",
          "--namesrv",
          ns,
          "--topic",
          "Orders",
          "--count",
          "2",
          "--deliver-after",
          "1s"
        ])
        expect(produced.code).toBe(0)
        const consumed = yield* run([
          "consume",
          "--namesrv",
          ns,
          "--topic",
          "Orders",
          "--group",
          "poppers",
          "--pop",
          "--from",
          "first",
          "--count",
          "2",
          "--timeout",
          "20"
        ])
        expect(consumed.code).toBe(0)
        const messages = jsonLines(consumed.stdout)
        expect(messages.map((m) => m.body).sort()).toEqual(["message 0", "message 1"])
        // Stored on their queue once due: a second or more after they were sent.
        for (const m of messages) {
          expect(Number(m.storeTimestamp) - Number(m.bornTimestamp)).toBeGreaterThanOrEqual(1000)
        }
        const received = yield* cluster.receivedRequests(cluster.brokers[0]!.name)
        expect(received.some((r) => r.code === RequestCode.POP_MESSAGE && r.extFields.consumerGroup === "poppers"))
          .toBe(true)
        const bad = yield* run(["produce", "--namesrv", ns, "--topic", "Orders", "--deliver-after", "soon"])
        expect(bad.code).toBe(2)
      }).pipe(
        Effect.provide(Layer.provideMerge(clientOn(), EmbeddedClusterLive.layer({ version: "5.0" }))),
        Effect.scoped
      ),
    60_000
  )
})
