// A real RocketMQ cluster for a test: a name server and one or two brokers in child JVMs on free loopback ports,
// with their store in a temporary directory, stopped (and their directory removed) when the test's scope closes.
import { Effect, Redacted, Schedule, Scope } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type JvmProcess, spawnJvm } from "./Jvm.js"
import { freePortRun } from "./Ports.js"
import type { RealSetupError } from "./RealSetupError.js"
import { awaitRegistered } from "./Registration.js"
import { classpath } from "./RocketMQJars.js"
import { makeTlsFiles, type TlsFiles } from "./Tls.js"
import type { RocketMQLine } from "./Versions.js"

export interface RealClusterOptions {
  readonly line: RocketMQLine
  /** broker-a, or broker-a and broker-b (two masters of one cluster). */
  readonly brokers?: 1 | 2
  /** The broker requires signed requests from this account (4.9: plain ACL; 5.x: authentication). */
  readonly acl?: { readonly accessKey: string; readonly secretKey: Redacted.Redacted<string> }
  /** The brokers speak only TLS, with a certificate signed by a CA this cluster makes; the name server both. */
  readonly tls?: boolean
  /** More broker settings (the broker's properties file), over the suite's defaults. */
  readonly brokerConfig?: Readonly<Record<string, string>>
}

export interface RealBroker {
  readonly name: string
  /** host:port of its main listener. */
  readonly address: string
  /** kill -9, as a crash: the store keeps what the broker acknowledged. */
  readonly kill: Effect.Effect<void>
  /** Starts it again on the same ports and store; waits until it has registered. */
  readonly restart: Effect.Effect<void, RealSetupError>
}

export interface RealCluster {
  readonly line: RocketMQLine
  readonly clusterName: string
  readonly nameServerAddress: string
  readonly brokers: ReadonlyArray<RealBroker>
  readonly tls: TlsFiles | undefined
  /** The last lines of every server's log, for a failing test's output. */
  readonly logs: () => string
}

export const clusterName = "RealCluster"

const fileTail = (file: string, n: number) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-n).join("\n") : "(none)"

// Delay levels of one second each: the delay and retry tests see their messages come back quickly.
const delayLevels = Array.from({ length: 18 }, () => "1s").join(" ")

const brokerProperties = (
  options: RealClusterOptions,
  name: string,
  port: number,
  store: string,
  nameServer: string
): Record<string, string> => ({
  brokerClusterName: clusterName,
  brokerName: name,
  brokerId: "0",
  namesrvAddr: nameServer,
  brokerIP1: "127.0.0.1",
  listenPort: String(port),
  haListenPort: String(port + 1),
  storePathRootDir: store,
  storePathCommitLog: join(store, "commitlog"),
  autoCreateTopicEnable: "true",
  autoCreateSubscriptionGroup: "true",
  flushDiskType: "ASYNC_FLUSH",
  mappedFileSizeCommitLog: String(256 * 1024 * 1024),
  mappedFileSizeConsumeQueue: String(300_000 * 20),
  diskMaxUsedSpaceRatio: "95",
  // The test machine is small and busy: no SYSTEM_BUSY for a request that waited 200 ms in the broker's queue.
  brokerFastFailureEnable: "false",
  waitTimeMillsInSendQueue: "10000",
  messageDelayLevel: delayLevels,
  // Transactions: a half message is checked back after 1 s, every second (Java's defaults: 6 s and 60 s).
  transactionTimeOut: "1000",
  transactionCheckInterval: "1000",
  ...aclProperties(options),
  ...options.brokerConfig
})

const aclProperties = (options: RealClusterOptions): Record<string, string> => {
  if (options.acl === undefined) return {}
  if (options.line.line === "4.9") return { aclEnable: "true" }
  const user = JSON.stringify({
    username: options.acl.accessKey,
    password: Redacted.value(options.acl.secretKey),
    userType: "Super"
  })
  return {
    authenticationEnabled: "true",
    authenticationProvider: "org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider",
    authenticationMetadataProvider:
      "org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
    initAuthenticationUser: user,
    innerClientAuthenticationCredentials: JSON.stringify({
      accessKey: options.acl.accessKey,
      secretKey: Redacted.value(options.acl.secretKey)
    })
  }
}

// The 4.9 broker reads its plain ACL from ROCKETMQ_HOME/conf/plain_acl.yml.
const plainAcl = (acl: NonNullable<RealClusterOptions["acl"]>) =>
  [
    "globalWhiteRemoteAddresses: []",
    "accounts:",
    `  - accessKey: ${acl.accessKey}`,
    `    secretKey: ${Redacted.value(acl.secretKey)}`,
    "    whiteRemoteAddress:",
    "    admin: true",
    ""
  ].join("\n")

// 4.9 loads logback from ROCKETMQ_HOME/conf; everything goes to the process's stdout, which we keep in a file.
const logback = `<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %p %c{1} - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="OUT"/></root>
</configuration>
`

const toProperties = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `${k}=${v}`).join("\n") + "\n"

const tlsProperties = (tls: TlsFiles, mode: "enforcing" | "permissive") => [
  `-Dtls.server.mode=${mode}`,
  "-Dtls.test.mode.enable=false",
  `-Dtls.server.certPath=${tls.serverCert}`,
  `-Dtls.server.keyPath=${tls.serverKey}`,
  "-Dtls.server.need.client.auth=none",
  // The broker's own connection to the name server stays plain (the name server is permissive).
  "-Dtls.enable=false"
]

/** Starts the cluster; it stops when the scope closes, also when the test fails. */
export const make = (options: RealClusterOptions) =>
  Effect.gen(function*() {
    const cp = yield* classpath("servers", options.line.servers)
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), `effect-rocketmq-real-${options.line.servers}-`))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const home = join(dir, "home")
    mkdirSync(join(home, "conf"), { recursive: true })
    for (const name of ["logback_namesrv.xml", "logback_broker.xml", "logback_tools.xml"]) {
      writeFileSync(join(home, "conf", name), logback)
    }
    if (options.acl !== undefined) writeFileSync(join(home, "conf", "plain_acl.yml"), plainAcl(options.acl))
    const tls = options.tls ? yield* makeTlsFiles(join(dir, "tls")) : undefined
    const scope = yield* Effect.scope
    const processes: Array<JvmProcess> = []
    const jvm = (name: string, mainClass: string, config: string, port: number, extra: ReadonlyArray<string>) =>
      spawnJvm({
        name,
        classpath: cp,
        mainClass,
        args: ["-c", config],
        jvmOptions: [
          name.startsWith("broker") ? "-Xmx512m" : "-Xmx128m",
          "-XX:MaxDirectMemorySize=512m",
          `-Duser.home=${dir}`,
          // 4.9's store unmaps files through DirectByteBuffer's cleaner by reflection (recovery after a crash, shutdown).
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
          `-Drocketmq.home.dir=${home}`,
          ...extra
        ],
        env: { ROCKETMQ_HOME: home },
        log: join(dir, `${name}.log`),
        readyLine: "boot success",
        port
      })

    // Ports are drawn free but may be taken before the JVM binds them: then a start is tried again on others.
    const retryOnPortInUse = <A, R>(start: Effect.Effect<A, RealSetupError, R>) =>
      Effect.retry(start, { times: 3, while: (e) => e._tag === "PortInUseError" })
    const { nameServer, nsPort } = yield* Effect.gen(function*() {
      const nsPort = yield* freePortRun(1)
      const nsConfig = join(dir, "namesrv.properties")
      writeFileSync(nsConfig, toProperties({ listenPort: String(nsPort) }))
      const nameServer = yield* jvm(
        "namesrv",
        "org.apache.rocketmq.namesrv.NamesrvStartup",
        nsConfig,
        nsPort,
        tls ? tlsProperties(tls, "permissive") : []
      )
      return { nameServer, nsPort }
    }).pipe(retryOnPortInUse)
    processes.push(nameServer)
    const nameServerAddress = `127.0.0.1:${nsPort}`

    const brokers: Array<RealBroker> = []
    for (const name of options.brokers === 2 ? ["broker-a", "broker-b"] : ["broker-a"]) {
      const first = yield* Effect.gen(function*() {
        // The broker listens on port, its fast (VIP) channel on port - 2 and HA on port + 1.
        const base = yield* freePortRun(4)
        const port = base + 2
        const config = join(dir, `${name}.properties`)
        const store = join(dir, `store-${name}`)
        writeFileSync(config, toProperties(brokerProperties(options, name, port, store, nameServerAddress)))
        const start = jvm(
          name,
          "org.apache.rocketmq.broker.BrokerStartup",
          config,
          port,
          tls ? tlsProperties(tls, "enforcing") : []
        )
        return { port, start, jvm: yield* start }
      }).pipe(retryOnPortInUse)
      const { port, start } = first
      const address = `127.0.0.1:${port}`
      const registered = (jvm: JvmProcess) => awaitRegistered(nameServerAddress, address, () => jvm.tail(40))
      let current = first.jvm
      processes.push(current)
      yield* registered(current)
      brokers.push({
        name,
        address,
        kill: Effect.suspend(() => current.kill),
        restart: Effect.gen(function*() {
          yield* current.kill
          // Its port may still be held for a moment after the kill: tried again, a second apart, on the same ports.
          current = yield* Scope.extend(start, scope).pipe(
            Effect.retry({
              schedule: Schedule.spaced("1 second"),
              times: 20,
              while: (e) => e._tag === "PortInUseError"
            })
          )
          processes.push(current)
          yield* registered(current)
        })
      })
    }
    return {
      line: options.line,
      clusterName,
      nameServerAddress,
      brokers,
      tls,
      logs: () =>
        [
          ...processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${p.tail(60)}`),
          // 5.x logs to ~/logs/rocketmqlogs (user.home is the cluster's directory).
          ...["namesrv.log", "broker.log"].map((name) =>
            `--- ${name} ---\n${fileTail(join(dir, "logs", "rocketmqlogs", name), 60)}`
          )
        ].join("\n")
    } satisfies RealCluster
  })
