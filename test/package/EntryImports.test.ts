// What importing the package's entry loads (issue 16: start-up and memory): the modules reached from src/index.ts by
// value imports (type-only imports are erased), read from the sources. The embedded cluster, the simulations and
// the CLI have entries or programs of their own; @effect/platform and
// @effect/platform-node are never loaded by it: the address server's HTTP client and a broadcasting consumer's file
// system are imported when used (a barrel alone loads every module of its package: 0.3-0.5 s and tens of MB on the
// development machine).
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src")

/** The value imports and re-exports of a module: relative ones as source paths, packages as written. */
const importsOf = (file: string): ReadonlyArray<string> => {
  const text = readFileSync(file, "utf8")
  const found: Array<string> = []
  const statement = /^(?:import|export)\s+(type\s+)?(?:[^"';]*?\sfrom\s+)?"([^"]+)"/gm
  for (const match of text.matchAll(statement)) {
    if (match[1] !== undefined) continue
    const target = match[2]!
    found.push(target.startsWith(".") ? resolve(dirname(file), target.replace(/\.js$/, ".ts")) : target)
  }
  return found
}

/** Every module loaded by importing `entry`: source files and packages. */
const loadedBy = (entry: string) => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const target of importsOf(file)) {
      if (target.startsWith("/")) visit(target)
      else packages.add(target)
    }
  }
  visit(entry)
  return { files: [...seen].map((f) => f.slice(src.length + 1)), packages: [...packages] }
}

describe("the package's entries", () => {
  it("the main entry loads no embedded cluster, no simulation, no CLI, no HTTP client and no file system", () => {
    const { files, packages } = loadedBy(resolve(src, "index.ts"))
    expect(files).toContain("layers/ProducerLive.ts")
    expect(files).toContain("layers/PushConsumerLive.ts")
    expect(files.filter((f) => /embedded|Simulation|programs\//i.test(f))).toEqual([])
    expect(packages.filter((p) => p.startsWith("@effect/platform") || p === "@effect/cli")).toEqual([])
    // The LZ4 and Zstandard decoders are required when a body first needs them.
    expect(packages.filter((p) => p === "lz4js" || p === "fzstd")).toEqual([])
  })

  it("the embedded cluster and the simulations are entries of their own", () => {
    expect(loadedBy(resolve(src, "embedded.ts")).files).toContain("layers/EmbeddedClusterLive.ts")
    expect(loadedBy(resolve(src, "simulation.ts")).files).toContain("layers/SimulationLive.ts")
  })
})
