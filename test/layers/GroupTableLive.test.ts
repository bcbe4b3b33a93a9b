import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as GroupTableLive from "../../src/layers/GroupTableLive.js"
import { CLIENT_INNER_PRODUCER_GROUP, DuplicateGroupError, GroupTable } from "../../src/services/GroupTable.js"
import { consumerData } from "../support/EmbeddedClient.js"

const producer = (groupName: string) => ({ groupName, topics: Effect.succeed(["Orders"]) })
const consumer = (groupName: string) => ({
  groupName,
  data: Effect.succeed(consumerData(groupName)),
  persistOffsets: Effect.void
})

describe("the group table", () => {
  it.effect("holds each producer and consumer group once; a second of a group is a DuplicateGroupError", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      yield* groups.addProducer(producer("p1"))
      yield* groups.addConsumer(consumer("c1"))
      expect(yield* Effect.flip(groups.addProducer(producer("p1")))).toEqual(
        new DuplicateGroupError({ kind: "producer", group: "p1" })
      )
      expect(yield* Effect.flip(groups.addConsumer(consumer("c1")))).toEqual(
        new DuplicateGroupError({ kind: "consumer", group: "c1" })
      )
      // A producer and a consumer may share a name: they are different tables, as in Java.
      yield* groups.addConsumer(consumer("p1"))
      expect((yield* groups.producers).map((p) => p.groupName)).toEqual(["p1"])
      expect((yield* groups.consumers).map((c) => c.groupName)).toEqual(["c1", "p1"])
      expect((yield* groups.consumer("c1"))?.groupName).toBe("c1")
      expect(yield* groups.consumer("nope")).toBeUndefined()
    }).pipe(Effect.provide(GroupTableLive.layer)))

  it.effect("refuses the instance's own inner producer group; a removed group may come back", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      expect(yield* Effect.flip(groups.addProducer(producer(CLIENT_INNER_PRODUCER_GROUP)))).toBeInstanceOf(
        DuplicateGroupError
      )
      yield* groups.addProducer(producer("p1"))
      yield* groups.removeProducer("p1")
      yield* groups.removeProducer("p1") // nothing there: nothing happens
      expect(yield* groups.producers).toEqual([])
      yield* groups.addProducer(producer("p1"))
      yield* groups.addConsumer(consumer("c1"))
      yield* groups.removeConsumer("c1")
      expect(yield* groups.consumers).toEqual([])
      expect((yield* groups.producers).map((p) => p.groupName)).toEqual(["p1"])
    }).pipe(Effect.provide(GroupTableLive.layer)))

  it.effect("a reader's list is the groups at the time it asked, whatever changes after", () =>
    Effect.gen(function*() {
      const groups = yield* GroupTable
      yield* groups.addConsumer(consumer("c1"))
      const before = yield* groups.consumers
      yield* groups.addConsumer(consumer("c2"))
      yield* groups.removeConsumer("c1")
      expect(before.map((c) => c.groupName)).toEqual(["c1"])
      expect((yield* groups.consumers).map((c) => c.groupName)).toEqual(["c2"])
    }).pipe(Effect.provide(GroupTableLive.layer)))
})
