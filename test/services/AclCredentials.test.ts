import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { decodeCommand, encodeCommand } from "../../src/protocol/RemotingCommand.js"
import { aclRpcHook, signature, signRequest } from "../../src/services/AclCredentials.js"
import { loadScenario } from "../fixtures.js"

const credentials = { accessKey: "fixtureAccessKey", secretKey: Redacted.make("fixtureSecretKey42") }
const signed = loadScenario("acl-signed.jsonl").filter((f) => f.header.extFields?.Signature !== undefined)
const decode = (hex: string) => Either.getOrThrow(decodeCommand(Buffer.from(hex, "hex")))

describe("the ACL 1.0 hook", () => {
  it("the capture holds signed route, heartbeat, send and batch requests", () => {
    expect(new Set(signed.map((f) => f.header.code))).toEqual(new Set([105, 34, 310, 320]))
  })

  it.each(signed.map((f) => [`${f.file}:${f.line} (code ${f.header.code})`, f] as const))(
    "%s: the signature is reproduced byte for byte",
    (_, f) => {
      const command = decode(f.hex)
      expect(signature(command.extFields!, command.body, credentials.secretKey)).toBe(f.header.extFields!.Signature)
    }
  )

  it.each(signed.map((f) => [`${f.file}:${f.line}`, f] as const))(
    "%s: signing the unsigned request gives it",
    (_, f) => {
      const command = decode(f.hex)
      const { AccessKey: _a, Signature: _s, ...unsigned } = command.extFields!
      const again = signRequest({ ...command, extFields: unsigned }, credentials)
      expect(again.extFields).toEqual(command.extFields)
    }
  )

  it.effect("the hook signs a request with the security token when there is one", () =>
    Effect.gen(function*() {
      const hook = aclRpcHook({ ...credentials, securityToken: Redacted.make("token-1") })
      const request = decode(signed[0]!.hex)
      const out = yield* hook.beforeRequest!("127.0.0.1:1", { ...request, extFields: { topic: "T" } })
      expect(out.extFields).toMatchObject({ topic: "T", AccessKey: "fixtureAccessKey", SecurityToken: "token-1" })
      expect(out.extFields!.Signature).toBe(signature(out.extFields!, out.body, credentials.secretKey))
    }))

  it("the secret key never shows when credentials are printed or logged", () => {
    const text = `${JSON.stringify(credentials)} ${String(credentials.secretKey)}`
    expect(text).not.toContain("fixtureSecretKey42")
    expect(encodeCommand(signRequest(decode(signed[0]!.hex), credentials)).toString()).not.toContain(
      "fixtureSecretKey42"
    )
  })
})
