// The public names of the package's entries, read with the TypeScript compiler from the sources: each entry's exports
// and, one level down, the members of the modules it exports as namespaces (`ClientLive.layer`), with whether each
// has a doc comment carrying `@since` and `@category`.
import ts from "typescript"

export const entries = {
  "effect-rocketmq": "src/index.ts",
  "effect-rocketmq/embedded": "src/embedded.ts",
  "effect-rocketmq/simulation": "src/simulation.ts",
  "effect-rocketmq/protocol": "src/protocol/index.ts"
} as const

export interface PublicName {
  readonly entry: string
  readonly name: string
  readonly documented: boolean
}

export const publicNames = (root: string): ReadonlyArray<PublicName> => {
  const files = Object.values(entries).map((f) => `${root}/${f}`)
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true
  })
  const checker = program.getTypeChecker()
  const found: Array<PublicName> = []
  const visit = (entry: string, prefix: string, module: ts.Symbol, depth: number) => {
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      const name = prefix + exported.name
      // `Protocol` in the main entry is the protocol entry, listed there.
      if (target.flags & ts.SymbolFlags.ValueModule) {
        if (depth === 0 && name !== "Protocol") visit(entry, `${name}.`, target, depth + 1)
        found.push({ entry, name, documented: true })
        continue
      }
      const tags = target.getJsDocTags(checker).map((t) => t.name)
      found.push({ entry, name, documented: tags.includes("since") && tags.includes("category") })
    }
  }
  for (const [entry, file] of Object.entries(entries)) {
    visit(entry, "", checker.getSymbolAtLocation(program.getSourceFile(`${root}/${file}`)!)!, 0)
  }
  return found
}
