import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import fc from "fast-check"
import { type MessageQueue, messageQueueKey } from "../../../src/protocol/MessageQueue.js"
import { EmbeddedCluster } from "../../../src/services/EmbeddedCluster.js"
import type { LitePullConsumerService, PolledBatch } from "../../../src/services/LitePullConsumer.js"
import { Producer } from "../../../src/services/Producer.js"
import { producerLayer } from "../../support/ConsumerStack.js"
import { withCluster } from "../../support/EmbeddedClient.js"
import { queuesOf, startLitePull } from "../../support/LitePullStack.js"

/** Messages in each of the two queues. */
const END = 25

type Op =
  | { readonly op: "poll" }
  | { readonly op: "seek"; readonly queue: 0 | 1; readonly offset: number }
  | { readonly op: "pause" | "resume"; readonly queue: 0 | 1 }
  | { readonly op: "commit"; readonly queue: 0 | 1 }
  | { readonly op: "commitSync" }

const queueIndex = fc.constantFrom(0 as const, 1 as const)
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ op: "poll" as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("seek" as const), queue: queueIndex, offset: fc.nat(END) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("pause" as const, "resume" as const), queue: queueIndex }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("commit" as const), queue: queueIndex }) },
  { weight: 1, arbitrary: fc.constant({ op: "commitSync" as const }) }
)

/**
 * Runs `effect` while the TestClock moves on 50 ms at a time (each adjustment yields to the event loop, so that
 * sockets get their turn, as the simulation runner drives its clock): paused pull loops look again, long polls end,
 * and a poll's wait ends at the latest after its timeout.
 */
const withClockMoving = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const ticking = Effect.forever(TestClock.adjust("50 millis"))
    yield* Effect.raceFirst(Effect.asVoid(Fiber.await(fiber)), ticking)
    return yield* Fiber.join(fiber)
  })

/**
 * The model: per queue, the next offset poll must hand out (where the last batch ended, or a seek put it) and whether
 * it is paused.
 */
const check = (ops: ReadonlyArray<Op>) =>
  Effect.gen(function*() {
    const cluster = yield* EmbeddedCluster
    yield* cluster.createTopic("Prop", { readQueueNums: 2, writeQueueNums: 2 })
    const queues = yield* queuesOf("Prop", 2)
    const producer = yield* Producer
    for (const queue of queues) {
      for (let i = 0; i < END; i++) yield* producer.send({ topic: "Prop", body: Buffer.from(`${i}`) }, { queue })
    }
    const { close, consumer } = yield* startLitePull("prop", {
      group: "prop_pull",
      assignedQueues: queues,
      consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET",
      autoCommit: false,
      pullBatchSize: 4
    })
    const position = [0, 0]
    const paused = [false, false]
    const indexOf = (queue: MessageQueue) => queues.findIndex((q) => messageQueueKey(q) === messageQueueKey(queue))

    /** A batch handed out: of a queue not paused, exactly the next offsets of its queue, in order. */
    const handedOut = (batch: PolledBatch | undefined) => {
      if (batch === undefined) return
      const i = indexOf(batch.queue)
      expect(paused[i]).toBe(false)
      expect(batch.messages.map((m) => m.queueOffset)).toEqual(
        Array.from({ length: batch.messages.length }, (_, k) => position[i]! + k)
      )
      position[i] = position[i]! + batch.messages.length
      expect(batch.nextOffset).toBe(position[i])
    }
    /** A commit is exactly the next offset to hand out: never past a message not handed out. */
    const committedAtPosition = (c: LitePullConsumerService) =>
      Effect.forEach([0, 1], (i) => Effect.map(c.committed(queues[i]!), (o) => expect(o).toBe(position[i])))

    for (const step of ops) {
      switch (step.op) {
        case "poll": {
          const waitable = [0, 1].some((i) => !paused[i] && position[i]! < END)
          handedOut(yield* withClockMoving(consumer.pollBatch(waitable ? "30 seconds" : 0)))
          break
        }
        case "seek":
          yield* consumer.seek(queues[step.queue]!, step.offset)
          position[step.queue] = step.offset
          break
        case "pause":
        case "resume":
          yield* (step.op === "pause" ? consumer.pause : consumer.resume)([queues[step.queue]!])
          paused[step.queue] = step.op === "pause"
          break
        case "commit":
          yield* consumer.commit([[queues[step.queue]!, position[step.queue]!]])
          expect(yield* consumer.committed(queues[step.queue]!)).toBe(position[step.queue])
          break
        case "commitSync":
          yield* consumer.commitSync
          yield* committedAtPosition(consumer)
      }
    }
    // Everything from where each queue stands to its end is handed out, in order, once resumed.
    yield* consumer.resume(queues)
    paused[0] = paused[1] = false
    while (position[0]! < END || position[1]! < END) {
      handedOut(yield* withClockMoving(consumer.pollBatch("30 seconds")))
    }
    yield* consumer.commitSync
    yield* committedAtPosition(consumer)
    yield* close
  }).pipe(Effect.provide(producerLayer()), Effect.provide(withCluster({ brokers: 1 })), Effect.scoped)

describe("the lite pull consumer, over random polls, seeks, pauses and commits", () => {
  it.effect.prop(
    "hands out every message from where a queue stands to its end, in offset order; commits never pass what was handed out",
    [fc.array(op, { minLength: 1, maxLength: 25 })],
    ([ops]) => check(ops),
    { fastCheck: { numRuns: 12 } }
  )
})
