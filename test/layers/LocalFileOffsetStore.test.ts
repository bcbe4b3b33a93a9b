import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import * as LocalFileOffsetStore from "../../src/layers/LocalFileOffsetStore.js"
import { OffsetStoreError } from "../../src/services/OffsetStore.js"
import { tempDir } from "../support/TempDir.js"

const q = (queueId: number) => ({ topic: "News", brokerName: "broker-a", queueId })

describe("the local file offset store", () => {
  it.scoped("writes Java's offsets.json atomically, keeps a backup, and reads the backup when the file is damaged", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("offsets-")
      const options = { dir, clientId: "10.0.0.7@b1", group: "readers" }
      const file = LocalFileOffsetStore.offsetsFilePath(dir, options.clientId, options.group)
      const store = yield* LocalFileOffsetStore.make(options)
      yield* store.load // no file yet: nothing to load
      yield* store.updateOffset(q(0), 7, true)
      yield* store.updateOffset(q(1), 3, true)
      yield* store.updateOffset(q(0), 5, true) // increase only: stays 7
      yield* store.persistAll([q(0), q(1)])
      expect(readFileSync(file, "utf8")).toBe(
        `{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"News"}:7,{"brokerName":"broker-a","queueId":1,"topic":"News"}:3}}`
      )
      expect(existsSync(`${file}.tmp`)).toBe(false)
      yield* store.updateOffset(q(0), 9, true)
      yield* store.persistAll([q(0), q(1)])
      expect(readFileSync(`${file}.bak`, "utf8")).toContain(":7,") // the previous file

      // A fresh store reads what was persisted.
      const again = yield* LocalFileOffsetStore.make(options)
      yield* again.load
      expect(yield* again.readOffset(q(0), "READ_FROM_MEMORY")).toBe(9)
      expect(yield* again.readOffset(q(2), "READ_FROM_STORE")).toBe(-1)

      // A damaged main file: the backup is read instead.
      writeFileSync(file, "{\"offsetTable\":{{\"brokerN")
      const fromBackup = yield* LocalFileOffsetStore.make(options)
      yield* fromBackup.load
      expect(yield* fromBackup.readOffset(q(0), "READ_FROM_MEMORY")).toBe(7)

      // Both damaged: a typed error naming the file.
      writeFileSync(`${file}.bak`, "garbage")
      const broken = yield* LocalFileOffsetStore.make(options)
      const error = yield* Effect.flip(broken.load)
      expect(error).toBeInstanceOf(OffsetStoreError)
      expect(error.message).toContain("offsets.json")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
