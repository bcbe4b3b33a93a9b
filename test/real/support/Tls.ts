// A certificate authority and a server certificate for 127.0.0.1, made with openssl for one cluster.
import { Effect } from "effect"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ProcessFailedError } from "./RealSetupError.js"
import { run } from "./RocketMQJars.js"

export interface TlsFiles {
  readonly caCert: string
  readonly serverCert: string
  /** PKCS#8 PEM, as RocketMQ's broker reads it. */
  readonly serverKey: string
}

export const makeTlsFiles = (dir: string) =>
  Effect.gen(function*() {
    mkdirSync(dir, { recursive: true })
    const f = (name: string) => join(dir, name)
    const steps: ReadonlyArray<ReadonlyArray<string>> = [
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=effect-rocketmq test CA",
        "-keyout",
        f("ca.key"),
        "-out",
        f("ca.pem")
      ],
      [
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        f("server.rsa.key"),
        "-out",
        f("server.csr")
      ],
      [
        "x509",
        "-req",
        "-in",
        f("server.csr"),
        "-CA",
        f("ca.pem"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        f("server.pem"),
        "-extfile",
        f("san.cnf")
      ],
      ["pkcs8", "-topk8", "-nocrypt", "-in", f("server.rsa.key"), "-out", f("server.key")]
    ]
    yield* Effect.sync(() => writeFileSync(f("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"))
    for (const args of steps) {
      const result = yield* run("openssl", args)
      if (result.code !== 0) {
        return yield* Effect.fail(
          new ProcessFailedError({ name: "openssl", reason: `failed (${args[0]})`, log: result.output })
        )
      }
    }
    return { caCert: f("ca.pem"), serverCert: f("server.pem"), serverKey: f("server.key") } satisfies TlsFiles
  })
