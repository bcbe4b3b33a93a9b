import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto"
import { readFile } from "node:fs/promises"
import { ClientConfigError, clientDefaults, type TlsSettings } from "./ClientSettings.js"
import type { TlsOptions } from "./RemotingClient.js"

type Pem = string | Uint8Array

const toBuffer = (pem: Pem): Buffer =>
  typeof pem === "string"
    ? Buffer.from(pem)
    : Buffer.isBuffer(pem)
    ? pem
    : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength)

const failure = (setting: string, reason: string) => new ClientConfigError({ setting: `tls.${setting}`, reason })

/** The content given, or the file named, read at start (not both); undefined when neither. */
const contentOrFile = (
  setting: string,
  content: Pem | Redacted.Redacted<Pem> | undefined,
  file: string | undefined
): Effect.Effect<Buffer | undefined, ClientConfigError> => {
  if (content !== undefined && file !== undefined) {
    return Effect.fail(failure(`${setting}File`, `give tls.${setting} or tls.${setting}File, not both`))
  }
  if (content !== undefined) {
    return Effect.succeed(toBuffer(Redacted.isRedacted(content) ? Redacted.value(content) : content))
  }
  if (file === undefined) return Effect.succeed(undefined)
  return Effect.tryPromise({
    try: () => readFile(file),
    catch: (error) =>
      failure(`${setting}File`, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  })
}

const certificate = (setting: string, pem: Buffer): Effect.Effect<X509Certificate, ClientConfigError> =>
  Effect.try({
    try: () => new X509Certificate(pem),
    catch: () => failure(setting, "not a PEM certificate")
  })

const isEncrypted = (pem: Buffer): boolean =>
  /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(pem.toString("latin1"))

/** Loads the key as Node's TLS will (a passphrase always given, so that OpenSSL never prompts on a terminal). */
const privateKey = (
  keySetting: string,
  pem: Buffer,
  passphrase: string | undefined
): Effect.Effect<KeyObject, ClientConfigError> => {
  if (isEncrypted(pem) && passphrase === undefined) {
    return Effect.fail(failure("keyPassphrase", "the key is encrypted: give its passphrase"))
  }
  return Effect.try({
    try: () => createPrivateKey({ key: pem, format: "pem", passphrase: passphrase ?? "" }),
    catch: (error) =>
      isEncrypted(pem)
        ? failure("keyPassphrase", "does not decrypt the key")
        : failure(keySetting, `not a PEM private key (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`)
  })
}

/**
 * The transport's TLS options from the TLS settings: files read, the CA and the client certificate parsed, the key
 * loaded (with its passphrase) and checked against the certificate. Undefined when TLS is off. A file that cannot be
 * read, or a certificate or key that does not load, is a `ClientConfigError` naming the setting. The key and
 * passphrase stay `Redacted`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveTls = (
  settings: TlsSettings | undefined
): Effect.Effect<TlsOptions | undefined, ClientConfigError> =>
  Effect.gen(function*() {
    if (settings === undefined || settings.enabled === false) return undefined
    const ca = yield* contentOrFile("ca", settings.ca, settings.caFile)
    if (ca !== undefined) yield* certificate(settings.caFile === undefined ? "ca" : "caFile", ca)
    const cert = yield* contentOrFile("cert", settings.cert, settings.certFile)
    const key = yield* contentOrFile("key", settings.key, settings.keyFile)
    const keySetting = settings.keyFile === undefined ? "key" : "keyFile"
    const certSetting = settings.certFile === undefined ? "cert" : "certFile"
    if ((cert === undefined) !== (key === undefined)) {
      return yield* failure(
        cert === undefined ? certSetting : keySetting,
        "a client certificate and its key go together"
      )
    }
    const given = settings.keyPassphrase
    const passphrase = given === undefined ? undefined : Redacted.isRedacted(given) ? given : Redacted.make(given)
    if (cert !== undefined && key !== undefined) {
      const parsed = yield* certificate(certSetting, cert)
      const loaded = yield* privateKey(keySetting, key, passphrase && Redacted.value(passphrase))
      if (!parsed.checkPrivateKey(loaded)) {
        return yield* failure(keySetting, "the key is not the client certificate's")
      }
    }
    return {
      ca,
      cert,
      key: key === undefined ? undefined : Redacted.make(key),
      passphrase,
      rejectUnauthorized: settings.verifyServer ?? clientDefaults.tlsVerifyServer,
      servername: settings.serverName
    }
  })
