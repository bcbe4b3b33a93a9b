// The package as an application gets it (issue 17): `npm pack`, the tarball installed into a new application that has
// its own `effect`, a program compiled against it with `tsc` (strict, no skipLibCheck) and run against the embedded
// cluster. The application's tree must hold one copy of `effect` (a peer dependency, never nested under the package).
// npm installs from its cache first (`--prefer-offline`): the versions are the ones `npm ci` just installed here.
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const installed = (name: string) =>
  (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version

const program = `import { Effect, Layer } from "effect"
import { ClientLive, Producer, ProducerLive, PushConsumer } from "effect-rocketmq"
import { EmbeddedCluster, EmbeddedClusterLive } from "effect-rocketmq/embedded"
import * as Stream from "effect/Stream"

const main = Effect.gen(function*() {
  const cluster = yield* EmbeddedCluster
  yield* cluster.createTopic("Orders", { readQueueNums: 2, writeQueueNums: 2 })
  const client = ClientLive.layer({ nameServerAddress: cluster.nameServerAddress, clientIP: "127.0.0.1" })
  const sent = yield* Effect.flatMap(Producer, (producer) => producer.send({ topic: "Orders", body: Buffer.from("hi") }))
    .pipe(Effect.provide(ProducerLive.layer({ group: "app_producer" }).pipe(Layer.provideMerge(client))))
  const got = yield* PushConsumer.stream({
    group: "app_consumer",
    subscriptions: [{ topic: "Orders" }],
    consumeFromWhere: "CONSUME_FROM_FIRST_OFFSET"
  }).pipe(Stream.take(1), Stream.runCollect, Effect.provide(client))
  const [message] = [...got]
  console.log(JSON.stringify({ status: sent.sendStatus, body: Buffer.from(message!.body).toString() }))
}).pipe(Effect.provide(EmbeddedClusterLive.layer()))

Effect.runPromise(main).then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
`

describe("the package, installed into an application", () => {
  it("packs, installs beside the application's own effect, compiles without skipLibCheck and runs", async () => {
    const app = mkdtempSync(join(tmpdir(), "effect-rocketmq-app-"))
    try {
      // dist/ is built by the suite's global set-up; packing without scripts leaves it alone for the other tests.
      const packed = await run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", app], {
        cwd: root
      })
      const tarball = join(app, packed.stdout.trim().split("\n").at(-1)!)
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({
          name: "app",
          private: true,
          type: "module",
          dependencies: {
            "effect": installed("effect"),
            "@effect/platform": installed("@effect/platform"),
            "@effect/platform-node": installed("@effect/platform-node"),
            "effect-rocketmq": `file:${tarball}`
          },
          devDependencies: { "@types/node": installed("@types/node") }
        })
      )
      writeFileSync(
        join(app, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            exactOptionalPropertyTypes: true,
            outDir: "dist",
            types: ["node"]
          },
          include: ["main.ts"]
        })
      )
      writeFileSync(join(app, "main.ts"), program)
      await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app })
      // One copy of effect: the application's.
      expect(existsSync(join(app, "node_modules/effect-rocketmq/node_modules/effect"))).toBe(false)
      const tree = await run("npm", ["ls", "effect", "--all", "--parseable"], { cwd: app })
      expect(new Set(tree.stdout.trim().split("\n").filter((line) => line.endsWith("/effect")))).toEqual(
        new Set([join(app, "node_modules/effect")])
      )
      // The CLI's dependency is an optional peer: not installed for a library user.
      expect(existsSync(join(app, "node_modules/@effect/cli"))).toBe(false)
      await run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: app })
      const ran = await run("node", ["dist/main.js"], { cwd: app, timeout: 60_000 })
      expect(JSON.parse(ran.stdout.trim())).toEqual({ status: "SEND_OK", body: "hi" })
    } finally {
      rmSync(app, { recursive: true, force: true })
    }
  }, 300_000)
})
