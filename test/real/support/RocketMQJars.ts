// RocketMQ's jars for the real suite, resolved by Maven from test/real/pom.xml and cached between runs.
//
// Maven keeps the jars in its own cache (~/.m2); we keep only the classpath it printed, in
// ~/.cache/effect-rocketmq/real/ (or $XDG_CACHE_HOME), keyed by the pom's content, the profile and the version.
// Nothing from RocketMQ is committed.
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ResolveError, ToolMissingError } from "./RealSetupError.js"

/** The repository's root: the first folder above this file with a package.json (also from `.bench-build/`). */
const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
})()

/** test/real, where the pom and the Java peer's source live. */
export const realDir = join(repoRoot, "test", "real")
const pom = join(realDir, "pom.xml")

export const cacheDir = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "effect-rocketmq", "real")

/** Runs a program to its end; its output, or why it could not run. */
export const run = (file: string, args: ReadonlyArray<string>, options: { cwd?: string; timeoutMs?: number } = {}) =>
  Effect.async<{ code: number; output: string }, ToolMissingError>((resume) => {
    const child = execFile(file, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 600_000,
      maxBuffer: 64 * 1024 * 1024
    }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
        resume(Effect.fail(new ToolMissingError({ tool: file, hint: toolHint(file) })))
        return
      }
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0
      resume(Effect.succeed({ code, output: `${stdout}${stderr}` }))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const toolHint = (tool: string) =>
  tool === "mvn"
    ? "the real suite resolves RocketMQ with Apache Maven (apt-get install maven)"
    : tool.startsWith("java")
    ? "the real suite runs RocketMQ and the Java client on Java 17 (apt-get install openjdk-17-jdk-headless)"
    : `install ${tool}`

export type JarSet = "servers" | "client"

/** The classpath (jar paths joined by ':') of a set at a version, resolved once and cached. */
export const classpath = (set: JarSet, version: string) =>
  Effect.gen(function*() {
    const key = createHash("sha256").update(readFileSync(pom)).update(`${set}@${version}`).digest("hex").slice(0, 16)
    const file = join(cacheDir(), `${set}-${version}-${key}.classpath`)
    if (existsSync(file)) {
      const cached = readFileSync(file, "utf8").trim()
      if (cached.split(":").every((jar) => existsSync(jar))) return cached
    }
    mkdirSync(cacheDir(), { recursive: true })
    const result = yield* run("mvn", [
      "-B",
      "-q",
      "-f",
      pom,
      "-P",
      set,
      `-Drocketmq.version=${version}`,
      "dependency:build-classpath",
      `-Dmdep.outputFile=${file}`
    ])
    if (result.code !== 0 || !existsSync(file)) {
      return yield* Effect.fail(new ResolveError({ what: `RocketMQ ${set} ${version}`, output: result.output }))
    }
    return readFileSync(file, "utf8").trim()
  })

/** Writes a file only when its content changed (keeps compiled outputs cached). */
export const writeIfChanged = (file: string, content: string) => {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, content)
}
