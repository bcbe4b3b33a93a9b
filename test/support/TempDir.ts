// Temporary directories for tests, removed with everything in them when the test's scope closes.
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, type Scope } from "effect"

/** A new directory under the system's temporary directory, removed (recursively) when the scope closes. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix })).pipe(
    Effect.orDie,
    Effect.provide(NodeFileSystem.layer)
  )
