// Java's mqadmin (org.apache.rocketmq.tools.command.MQAdminStartup) from the resolved tools, run against a cluster.
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { marker } from "./Jvm.js"
import { ProcessFailedError } from "./RealSetupError.js"
import { classpath, run } from "./RocketMQJars.js"
import type { RocketMQLine } from "./Versions.js"

const logback = `<configuration>
  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %p %c{1} - %m%n</pattern></encoder></appender>
  <root level="WARN"><appender-ref ref="ERR"/></root>
</configuration>
`

/** Runs `mqadmin <args> -n <name server>` and returns what it printed; a non-zero exit fails naming the command. */
export const mqadmin = (line: RocketMQLine, nameServer: string, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const cp = yield* classpath("client", line.client)
    const home = mkdtempSync(join(tmpdir(), "effect-rocketmq-mqadmin-"))
    mkdirSync(join(home, "conf"))
    writeFileSync(join(home, "conf", "logback_tools.xml"), logback)
    const result = yield* run("java", [
      "-Xmx256m",
      marker,
      `-Drocketmq.home.dir=${home}`,
      `-Duser.home=${home}`,
      "-cp",
      cp,
      "org.apache.rocketmq.tools.command.MQAdminStartup",
      ...args,
      "-n",
      nameServer
    ], { timeoutMs: 60_000, cwd: home }).pipe(
      // consumerStatus writes each client's running info under its working directory: the temporary home, removed.
      Effect.ensuring(Effect.sync(() => rmSync(home, { recursive: true, force: true })))
    )
    if (result.code !== 0) {
      return yield* Effect.fail(
        new ProcessFailedError({ name: `mqadmin ${args[0]}`, reason: `exited with ${result.code}`, log: result.output })
      )
    }
    return result.output
  })
