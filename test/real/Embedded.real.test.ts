// The Java client against our embedded cluster (as `effect-rocketmq embedded` serves it): it produces, and consumes
// what it and our producer sent, as it would on a real cluster; its lite pull consumer reads too.
import { describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as EmbeddedClusterLive from "../../src/layers/EmbeddedClusterLive.js"
import { RequestCode } from "../../src/protocol/RequestCode.js"
import { EmbeddedCluster } from "../../src/services/EmbeddedCluster.js"
import { isEvent, runToEnd } from "./support/JavaPeer.js"
import { selectedLines } from "./support/Versions.js"

describe("the Java client on our embedded cluster", () => {
  for (const line of selectedLines()) {
    layer(EmbeddedClusterLive.layer({ brokers: 2 }), { excludeTestServices: true })(
      `Java client ${line.client}`,
      (it) => {
        it.scoped("produces to it and consumes back every message, tags and keys intact", () =>
          Effect.gen(function*() {
            const cluster = yield* EmbeddedCluster
            const topic = `JavaOnEmbedded_${line.line.replace(".", "_")}`
            const sent = (yield* runToEnd(line.client, [
              "produce",
              ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "8"],
              ...["--tag", "TagE", "--keys", "e1 e2", "--size", "6000"]
            ], "90 seconds")).filter(isEvent("sent"))
            expect(sent.map((s) => s.status)).toEqual(Array.from({ length: 8 }, () => "SEND_OK"))
            const events = yield* runToEnd(line.client, [
              "consume",
              ...[
                "--namesrv",
                cluster.nameServerAddress,
                "--topic",
                topic,
                "--group",
                `g_${line.line.replace(".", "_")}`
              ],
              ...["--count", "8", "--from", "first", "--timeout-ms", "60000"]
            ], "90 seconds")
            const got = events.filter(isEvent("message"))
            expect(new Set(got.map((m) => m.msgId))).toEqual(new Set(sent.map((s) => s.msgId)))
            for (const m of got) {
              expect(m).toMatchObject({ tags: "TagE", keys: "e1 e2" })
              expect(Buffer.from(m.bodyBase64, "base64")).toHaveLength(6000)
            }
            // Both brokers of the embedded cluster took part.
            expect(new Set(sent.map((s) => s.brokerName)).size).toBe(2)
          }), 180_000)

        it.scoped(
          "answers the Java lite pull consumer: long-polling lite pulls, every message read",
          () =>
            Effect.gen(function*() {
              const cluster = yield* EmbeddedCluster
              const topic = `JavaLiteOnEmbedded_${line.line.replace(".", "_")}`
              const sent = (yield* runToEnd(line.client, [
                "produce",
                ...["--namesrv", cluster.nameServerAddress, "--topic", topic, "--count", "12", "--tag", "TagL"]
              ], "90 seconds")).filter(isEvent("sent"))
              const events = yield* runToEnd(line.client, [
                "lite-pull",
                ...[
                  "--namesrv",
                  cluster.nameServerAddress,
                  "--topic",
                  topic,
                  "--group",
                  `lite_${line.line.replace(".", "_")}`
                ],
                ...["--count", "12", "--from", "first", "--timeout-ms", "60000"]
              ], "90 seconds")
              const got = events.filter(isEvent("message"))
              expect(new Set(got.map((m) => m.msgId))).toEqual(new Set(sent.map((s) => s.msgId)))
              expect(got.every((m) => m.tags === "TagL")).toBe(true)
              // Java's lite pulls (PULL_MESSAGE in 4.9, LITE_PULL_MESSAGE in 5.x): long polling, subscription and the
              // lite-pull bit (sysFlag 0x2 | 0x4 | 0x10), 10 at most.
              const pulls = (yield* Effect.forEach(cluster.brokers, (b) => cluster.receivedRequests(b.name))).flat()
                .filter((r) =>
                  (r.code === RequestCode.PULL_MESSAGE || r.code === RequestCode.LITE_PULL_MESSAGE) &&
                  r.extFields.topic === topic
                )
              expect(pulls.length).toBeGreaterThan(0)
              expect(pulls.every((r) => r.extFields.sysFlag === "22" && r.extFields.maxMsgNums === "10")).toBe(true)
            }),
          180_000
        )
      }
    )
  }
})
