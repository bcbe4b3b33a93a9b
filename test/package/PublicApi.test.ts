// The public API is a list, and growing it a decision (issue 17): the names the package's entries export must be the
// ones in public-api.txt, each documented with `@since` and `@category`. A new export fails this test until it is
// added to the list (regenerate it with `PUBLIC_API_WRITE=1 npx vitest run test/package/PublicApi.test.ts`).
import { describe, expect, it } from "@effect/vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { publicNames } from "./PublicApi.js"

const here = dirname(fileURLToPath(import.meta.url))
const listFile = resolve(here, "public-api.txt")

describe("the public API", () => {
  it("is the list in public-api.txt, every name documented with @since and @category", () => {
    const names = publicNames(resolve(here, "../.."))
    const lines = names.map((n) => `${n.entry} ${n.name}`).sort()
    if (process.env.PUBLIC_API_WRITE === "1") writeFileSync(listFile, `${lines.join("\n")}\n`)
    const listed = readFileSync(listFile, "utf8").trim().split("\n")
    expect(lines).toEqual(listed)
    expect(names.filter((n) => !n.documented).map((n) => `${n.entry} ${n.name}`)).toEqual([])
  }, 60_000)
})
