import * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { homedir } from "node:os"
import { join } from "node:path"
import { formatOffsetTable, parseOffsetTable } from "../protocol/bodies/OffsetTableBody.js"
import { messageQueueKey } from "../protocol/MessageQueue.js"
import { OffsetStoreError, type OffsetStoreService, OffsetTable } from "../services/OffsetStore.js"

/**
 * Where Java keeps local offsets: `rocketmq.client.localOffsetStoreDir`, by default `~/.rocketmq_offsets`.
 *
 * @since 0.1.0
 * @category consumer
 */
export const defaultOffsetStoreDir = (): string => join(homedir(), ".rocketmq_offsets")

/**
 * The file of a group's offsets: `{dir}/{clientId}/{group}/offsets.json` (Java: `LocalFileOffsetStore.storePath`).
 *
 * @since 0.1.0
 * @category consumer
 */
export const offsetsFilePath = (dir: string, clientId: string, group: string): string =>
  join(dir, clientId, group, "offsets.json")

/**
 * Where a broadcasting consumer's offsets file is: the directory (`defaultOffsetStoreDir` when not given), the client
 * id and the group.
 *
 * @since 0.1.0
 * @category consumer
 */
export interface LocalFileOffsetStoreOptions {
  readonly dir?: string | undefined
  readonly clientId: string
  readonly group: string
}

/**
 * The offset store of a broadcasting consumer (Java: `LocalFileOffsetStore`): every client keeps its own offsets in
 * `{dir}/{clientId}/{group}/offsets.json`. Written as Java does, atomically: the new text to `offsets.json.tmp`, the
 * old file copied to `offsets.json.bak`, then the temporary file renamed over it; a missing or damaged main file is
 * read from the backup.
 *
 * @since 0.1.0
 * @category consumer
 */
export const make = (
  options: LocalFileOffsetStoreOptions
): Effect.Effect<OffsetStoreService, never, FileSystem.FileSystem> =>
  Effect.map(FileSystem.FileSystem, (fs) => {
    const path = offsetsFilePath(options.dir ?? defaultOffsetStoreDir(), options.clientId, options.group)
    const table = new OffsetTable()
    const failure = (operation: "load" | "read" | "persist", reason: string) =>
      new OffsetStoreError({ operation, target: path, reason })

    /** The text of a file, or undefined when there is none. */
    const readText = (file: string) =>
      fs.exists(file).pipe(
        Effect.flatMap((exists) =>
          exists ? Effect.map(fs.readFileString(file), (t) => t as string | undefined) : Effect.succeed(undefined)
        ),
        Effect.mapError((e) => failure("read", e.message))
      )

    /** The offsets on disk (Java: `readLocalOffset`, falling back to `readLocalOffsetBak`). */
    const readFile = (operation: "load" | "read") =>
      Effect.gen(function*() {
        const main = yield* readText(path)
        const parsed = main === undefined || main.trim().length === 0 ? undefined : parseOffsetTable(main)
        if (parsed !== undefined && Either.isRight(parsed)) return parsed.right
        const backup = yield* readText(`${path}.bak`)
        if (backup === undefined || backup.trim().length === 0) {
          if (parsed === undefined) return []
          return yield* failure(operation, `${path} is damaged (${parsed.left}) and there is no backup`)
        }
        const fromBackup = parseOffsetTable(backup)
        if (Either.isLeft(fromBackup)) {
          return yield* failure(operation, `${path}.bak is damaged too: ${fromBackup.left}`)
        }
        yield* Effect.logWarning("offsets file damaged or missing; read the backup").pipe(Effect.annotateLogs({ path }))
        return fromBackup.right
      })

    const writeAll = Effect.suspend(() => {
      const text = formatOffsetTable(table.entries())
      const dir = join(path, "..")
      return Effect.gen(function*() {
        yield* fs.makeDirectory(dir, { recursive: true })
        yield* fs.writeFileString(`${path}.tmp`, text)
        if (yield* fs.exists(path)) yield* fs.copyFile(path, `${path}.bak`)
        yield* fs.rename(`${path}.tmp`, path)
      }).pipe(Effect.mapError((e) => failure("persist", e.message)))
    })

    return {
      load: Effect.flatMap(readFile("load"), (entries) =>
        Effect.sync(() => {
          for (const [queue, offset] of entries) table.update(queue, offset, false)
        })),
      updateOffset: (queue, offset, increaseOnly) => Effect.sync(() => table.update(queue, offset, increaseOnly)),
      readOffset: (queue, type) =>
        Effect.suspend(() => {
          const inMemory = table.fromMemory(queue, type)
          if (inMemory !== undefined) return Effect.succeed(inMemory)
          return Effect.map(readFile("read"), (entries) => {
            const found = entries.find(([q]) => messageQueueKey(q) === messageQueueKey(queue))
            if (found === undefined) return -1
            table.update(queue, found[1], false)
            return found[1]
          })
        }),
      persistAll: (queues) => queues.length === 0 ? Effect.void : writeAll,
      persist: () => writeAll,
      removeOffset: () => Effect.void,
      offsets: (topic) => Effect.sync(() => table.entries().filter(([q]) => q.topic === topic))
    }
  })
