// What a real cluster's start says when it cannot start: each cause named by a typed error.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { spawnJvm } from "./support/Jvm.js"
import { classpath, run } from "./support/RocketMQJars.js"
import { lines } from "./support/Versions.js"

const line = lines[0]!

describe("starting real RocketMQ processes", () => {
  it.live("a tool that is not installed is a ToolMissingError naming it and how to get it", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.either(run("mvn-that-is-not-installed", ["-v"]))
      expect(Either.isLeft(missing) && missing.left).toMatchObject({ _tag: "ToolMissingError" })
    }))

  it.live("a version Maven Central does not serve is a ResolveError with Maven's output", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.either(classpath("servers", "0.0.0-none"))
      expect(Either.isLeft(missing) && missing.left._tag).toBe("ResolveError")
      if (Either.isLeft(missing)) expect(missing.left.message).toContain("0.0.0-none")
    }), 300_000)

  it.scopedLive(
    "a JVM that dies before it is up is a ProcessFailedError with the end of its log",
    () =>
      Effect.gen(function*() {
        const cp = yield* classpath("servers", line.servers)
        const failed = yield* Effect.either(spawnJvm({
          name: "namesrv",
          classpath: cp,
          mainClass: "org.apache.rocketmq.namesrv.NoSuchStartup",
          args: [],
          jvmOptions: ["-Xmx64m"],
          env: {},
          log: "/dev/null",
          readyLine: "boot success",
          port: 0
        }))
        expect(Either.isLeft(failed) && failed.left._tag).toBe("ProcessFailedError")
        if (Either.isLeft(failed)) expect(failed.left.message).toContain("NoSuchStartup")
      }),
    120_000
  )

  it.scopedLive("a port already taken is a PortInUseError naming it", () =>
    Effect.gen(function*() {
      const server = createServer()
      const port = yield* Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as { port: number }).port)))
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => server.close()))
      const cp = yield* classpath("servers", line.servers)
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-rocketmq-setup-test-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      mkdirSync(join(dir, "conf"))
      writeFileSync(join(dir, "namesrv.properties"), `listenPort=${port}\n`)
      writeFileSync(join(dir, "conf", "logback_namesrv.xml"), "<configuration/>\n")
      const failed = yield* Effect.either(spawnJvm({
        name: "namesrv",
        classpath: cp,
        mainClass: "org.apache.rocketmq.namesrv.NamesrvStartup",
        args: ["-c", join(dir, "namesrv.properties")],
        jvmOptions: ["-Xmx128m", `-Duser.home=${dir}`, `-Drocketmq.home.dir=${dir}`],
        env: { ROCKETMQ_HOME: dir },
        log: join(dir, "namesrv.log"),
        readyLine: "boot success",
        port
      }))
      expect(Either.isLeft(failed) && failed.left).toMatchObject({ _tag: "PortInUseError", port })
    }), 120_000)
})
