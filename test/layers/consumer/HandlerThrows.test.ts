// A handler that throws instead of answering an effect (a JavaScript handler parsing a bad body, say) is a failure
// of its batch, as Java counts a listener's exception: the messages are consumed again, and nothing stalls.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import type { MessageExt } from "../../../src/protocol/MessageDecoder.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import { bodyText, produce, producerLayer, startConsumer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { eventually } from "../../support/Eventually.js"

/** Immediate retries: every delay level of 0 s. */
const noDelays = { broker: { messageDelayLevel: Array.from({ length: 18 }, () => "0s").join(" ") } }

/** A handler that throws the first time it is given a message, and answers CONSUME_SUCCESS after. */
const throwingOnce = () => {
  const seen = new Map<string, number>()
  const handler = (messages: ReadonlyArray<MessageExt>) => {
    for (const message of messages) {
      const times = seen.get(bodyText(message)) ?? 0
      seen.set(bodyText(message), times + 1)
      if (times === 0) throw new Error(`cannot handle ${bodyText(message)}`)
    }
    return Effect.succeed("CONSUME_SUCCESS" as const)
  }
  return { seen, handler }
}

describe("a handler that throws", () => {
  for (const orderly of [false, true]) {
    it.scopedLive(`${orderly ? "orderly" : "concurrent"}: its messages are consumed again, every one`, () => {
      const warnings: Array<string> = []
      return Effect.gen(function*() {
        const cluster = yield* EmbeddedCluster
        yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
        const { handler, seen } = throwingOnce()
        const { close } = yield* startConsumer("c1", {
          group: "throwing_consumer",
          subscriptions: [{ topic: "Orders" }],
          orderly,
          suspendCurrentQueueTime: "10 millis",
          handler
        })
        yield* produce("Orders", 10)
        yield* eventually(() => seen.size === 10 && [...seen.values()].every((n) => n >= 2), {
          what: "10 messages handled twice each",
          bound: "20 seconds"
        })
        expect([...seen.keys()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m-${i}`).sort())
        yield* close
        // Each throw logged as a failed handler, with what it threw.
        expect(warnings.filter((w) => w.includes("cannot handle")).length).toBeGreaterThanOrEqual(10)
      }).pipe(
        Effect.provide(Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ cause, message }) => warnings.push(`${String(message)} ${String(cause)}`))
        )),
        Effect.provide(producerLayer()),
        Effect.provide(withCluster({ brokers: 1, ...noDelays }))
      )
    })
  }
})
