// Every TypeScript example of the README compiles against the package's sources (issue 17): each ```ts block is a
// module of its own (a block without imports continues the one before it), its `effect-rocketmq` imports pointed at
// src/, and all are type-checked together, strict, as an application would compile them. The transport, producer and
// push-consumer examples are also run end to end (readme.test.ts); every block is evaluated here.
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import ts from "typescript"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const entries: Record<string, string> = {
  "effect-rocketmq": "src/index.ts",
  "effect-rocketmq/embedded": "src/embedded.ts",
  "effect-rocketmq/simulation": "src/simulation.ts",
  "effect-rocketmq/protocol": "src/protocol/index.ts"
}

/** The README's ```ts blocks, fragments joined to the block before them. */
const examples = (): ReadonlyArray<string> => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
  const modules: Array<string> = []
  for (const block of blocks) {
    if (/^import /m.test(block) || modules.length === 0) modules.push(block)
    else modules[modules.length - 1] += `\n${block}`
  }
  return modules
}

const pointedAtSources = (code: string) =>
  code.replace(/from "(effect-rocketmq[^"]*)"/g, (_, entry: string) => `from "${join(root, entries[entry]!)}"`)

describe("the README's examples", () => {
  it("every one compiles against the sources, strict, and evaluates", async () => {
    const modules = examples()
    expect(modules.length).toBeGreaterThanOrEqual(5)
    const dir = mkdtempSync(join(root, ".readme-examples-"))
    try {
      // Each a module of its own; `export {}` keeps their top-level names apart.
      const files = modules.map((code, i) => {
        const file = join(dir, `example${i}.ts`)
        writeFileSync(file, `${pointedAtSources(code)}\nexport {}\n`)
        return file
      })
      const program = ts.createProgram(files, {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        exactOptionalPropertyTypes: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"]
      })
      const problems = ts.getPreEmitDiagnostics(program).filter((d) => files.includes(d.file?.fileName ?? ""))
      const text = problems.map((d) =>
        `${d.file!.fileName.slice(dir.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`
      )
      expect(text).toEqual([])
      for (const file of files) await import(pathToFileURL(file).href)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("the metrics table names every metric the library defines", () => {
    const sources = (dir: string): ReadonlyArray<string> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
      )
    const defined = new Set(
      sources(join(root, "src")).flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/"(rocketmq_[a-z_]+)"/g)].map((m) => m[1]!)
      )
    )
    const readme = readFileSync(join(root, "README.md"), "utf8")
    expect(defined.size).toBeGreaterThanOrEqual(10)
    expect([...defined].filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([])
  })
})
