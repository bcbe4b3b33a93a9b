import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHmac } from "node:crypto"
import type { RemotingCommand } from "../protocol/RemotingCommand.js"
import type { RpcHook } from "./RpcHooks.js"

/**
 * ACL 1.0 credentials (Java: `SessionCredentials`). Keys are `Redacted`: they never show in logs.
 *
 * @since 0.1.0
 * @category models
 */
export interface AclCredentials {
  readonly accessKey: string
  readonly secretKey: Redacted.Redacted<string>
  readonly securityToken?: Redacted.Redacted<string> | undefined
}

/**
 * Names of the ACL fields in `extFields` (Java: `SessionCredentials.ACCESS_KEY`, `SIGNATURE`, `SECURITY_TOKEN`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const AclField = {
  ACCESS_KEY: "AccessKey",
  SIGNATURE: "Signature",
  SECURITY_TOKEN: "SecurityToken"
} as const

/**
 * The signature of a request (Java: `AclUtils.combineRequestContent` and `calSignature`): HmacSHA1 keyed by the
 * secret key over the values of `extFields` in key order (`Signature` left out) followed by the body, in base64.
 *
 * @since 0.1.0
 * @category signing
 */
export const signature = (
  extFields: { readonly [x: string]: string },
  body: Uint8Array | undefined,
  secretKey: Redacted.Redacted<string>
): string => {
  const keys = Object.keys(extFields).filter((k) => k !== AclField.SIGNATURE).sort()
  const hmac = createHmac("sha1", Buffer.from(Redacted.value(secretKey), "utf8"))
  hmac.update(Buffer.from(keys.map((k) => extFields[k]).join(""), "utf8"))
  if (body !== undefined) hmac.update(body)
  return hmac.digest("base64")
}

/**
 * Signs a request as the ACL hook does (Java: `AclClientRPCHook.doBeforeRequest`): adds `AccessKey` and, when there
 * is one, `SecurityToken`, then the `Signature` over everything.
 *
 * @since 0.1.0
 * @category signing
 */
export const signRequest = (request: RemotingCommand, credentials: AclCredentials): RemotingCommand => {
  const extFields: Record<string, string> = { ...request.extFields, [AclField.ACCESS_KEY]: credentials.accessKey }
  if (credentials.securityToken !== undefined) {
    extFields[AclField.SECURITY_TOKEN] = Redacted.value(credentials.securityToken)
  }
  extFields[AclField.SIGNATURE] = signature(extFields, request.body, credentials.secretKey)
  return { ...request, extFields }
}

/**
 * The ACL 1.0 hook (Java: `AclClientRPCHook`): every request signed with these credentials.
 *
 * @since 0.1.0
 * @category hooks
 */
export const aclRpcHook = (credentials: AclCredentials): RpcHook => ({
  name: "acl",
  beforeRequest: (_, request) => Effect.sync(() => signRequest(request, credentials))
})
