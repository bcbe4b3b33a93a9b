import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { OffsetStoreError, OffsetStoreService } from "../../services/OffsetStore.js"
import type { LocalFileOffsetStoreOptions } from "../LocalFileOffsetStore.js"
import * as RemoteBrokerOffsetStore from "../RemoteBrokerOffsetStore.js"
import type { ConsumerApi } from "./ConsumerApi.js"

/**
 * The local offset store of a broadcasting consumer, loaded when one starts, on the context's `FileSystem` or else
 * Node's.
 */
const localFileOffsetStore = (options: LocalFileOffsetStoreOptions) =>
  Effect.flatMap(
    Effect.promise(() => Promise.all([import("../LocalFileOffsetStore.js"), import("@effect/platform/FileSystem")])),
    ([store, { FileSystem }]) =>
      Effect.flatMap(Effect.serviceOption(FileSystem), (given) =>
        Option.isSome(given)
          ? Effect.provideService(store.make(options), FileSystem, given.value)
          : Effect.flatMap(
            Effect.promise(() => import("@effect/platform-node/NodeFileSystem")),
            (node) => Effect.provide(store.make(options), node.layer)
          ))
  )

/**
 * A consumer's offset store, loaded (Java: `initOffsetStore`): on the broker for a clustering consumer, in a local
 * file of this client for a broadcasting one (the file system loaded only then: a clustering consumer never loads
 * one).
 *
 * @since 0.1.0
 * @category consumer
 */
export const makeOffsetStore = (options: {
  readonly clustering: boolean
  readonly group: string
  readonly clientId: string
  readonly api: ConsumerApi
  readonly localOffsetStoreDir: string | undefined
}): Effect.Effect<OffsetStoreService, OffsetStoreError> =>
  Effect.gen(function*() {
    const store = options.clustering
      ? RemoteBrokerOffsetStore.make(options.group, options.api)
      : yield* localFileOffsetStore({
        dir: options.localOffsetStoreDir,
        clientId: options.clientId,
        group: options.group
      })
    yield* store.load
    return store
  })
