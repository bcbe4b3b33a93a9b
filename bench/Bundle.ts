// Bench scripts bundled by esbuild as an application is for deployment: one ESM bundle with Effect in it, split so
// that what the package imports when first used (the address-server HTTP client, the local offsets file) stays in
// chunks of its own, the two codecs required when a body needs them left external (as the README asks of a bundle).
// A bundled process loads one file instead of some 650 modules (ours, Effect's, fast-check's through effect/Schema):
// start-up and the memory of the loaded code are what change.
import { build } from "esbuild"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { benchScript } from "./Scripts.js"

/** Bundled bench scripts in a temporary directory: the path of each, and the directory's removal. */
export interface Bundles {
  readonly path: (name: string) => string
  readonly remove: () => Promise<void>
}

/** Bundles the named bench scripts into a temporary directory. */
export const bundleScripts = async (names: ReadonlyArray<string>): Promise<Bundles> => {
  const dir = await mkdtemp(join(tmpdir(), "effect-rocketmq-bench-"))
  const remove = () => rm(dir, { recursive: true, force: true })
  try {
    await build({
      entryPoints: names.map(benchScript),
      outdir: dir,
      bundle: true,
      splitting: true,
      minify: true,
      format: "esm",
      platform: "node",
      target: "node20",
      external: ["lz4js", "fzstd"],
      // ES modules by their extension, wherever the directory (Node before 20.19 does not detect them in `.js`).
      outExtension: { ".js": ".mjs" },
      // CommonJS parts of the bundle (undici, in the HTTP client's chunk) call `require`.
      banner: {
        js: "import { createRequire as __createRequire } from \"node:module\"; " +
          "const require = __createRequire(import.meta.url);"
      },
      logLevel: "warning"
    })
  } catch (error) {
    await remove()
    throw error
  }
  return { path: (name) => join(dir, `${name}.mjs`), remove }
}

/** Bundles the named bench scripts, runs `use` with the path of each bundled script, and removes them. */
export const withBundles = async <A>(
  names: ReadonlyArray<string>,
  use: (bundled: (name: string) => string) => Promise<A>
): Promise<A> => {
  const bundles = await bundleScripts(names)
  try {
    return await use(bundles.path)
  } finally {
    await bundles.remove()
  }
}
