import type * as Redacted from "effect/Redacted"
import { decodeBody } from "../../protocol/bodies/Body.js"
import { HeartbeatData } from "../../protocol/bodies/HeartbeatData.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import type { RemotingCommand } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import { AclField, signature } from "../../services/AclCredentials.js"

/**
 * A permission on a topic or group (Java: `Permission`): DENY, PUB, SUB, PUB|SUB or ANY.
 *
 * @since 0.1.0
 * @category embedded
 */
export type AclPermission = "DENY" | "PUB" | "SUB" | "PUB|SUB" | "ANY"

/**
 * One account of the broker's access list (Java: `PlainAccessConfig` in `plain_acl.yml`). Topics and groups not
 * listed get the default permissions, which are DENY unless given.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface AclAccount {
  readonly accessKey: string
  readonly secretKey: Redacted.Redacted<string>
  readonly admin?: boolean | undefined
  readonly defaultTopicPerm?: AclPermission | undefined
  readonly defaultGroupPerm?: AclPermission | undefined
  readonly topicPerms?: Readonly<Record<string, AclPermission>> | undefined
  readonly groupPerms?: Readonly<Record<string, AclPermission>> | undefined
}

const bits: Record<AclPermission, number> = { DENY: 1, ANY: 2, PUB: 4, SUB: 8, "PUB|SUB": 12 }

/** Java: `Permission.checkPermission`. */
const permits = (needed: number, owned: number): boolean => {
  if ((owned & bits.DENY) !== 0) return false
  if ((needed & bits.ANY) !== 0) return (owned & bits.PUB) !== 0 || (owned & bits.SUB) !== 0
  return (needed & owned) !== 0
}

/** The resources a request needs and with which permission (Java: `PlainAccessValidator.parse`). */
const resourcesOf = (
  request: RemotingCommand
): Array<{ readonly name: string; readonly group: boolean; readonly perm: number }> => {
  const ext = request.extFields ?? {}
  const topic = (name: string | undefined, perm: number) => (name === undefined ? [] : [{ name, group: false, perm }])
  const group = (name: string | undefined) => (name === undefined ? [] : [{ name, group: true, perm: bits.SUB }])
  switch (request.code) {
    case RequestCode.SEND_MESSAGE:
      return topic(ext.topic, bits.PUB)
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
      return topic(ext.b, bits.PUB)
    case RequestCode.PULL_MESSAGE:
    case RequestCode.LITE_PULL_MESSAGE:
    case RequestCode.QUERY_CONSUMER_OFFSET:
    case RequestCode.UPDATE_CONSUMER_OFFSET:
      return [...topic(ext.topic, bits.SUB), ...group(ext.consumerGroup)]
    case RequestCode.CONSUMER_SEND_MSG_BACK:
      return group(ext.group)
    case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
      return group(ext.consumerGroup)
    case RequestCode.UNREGISTER_CLIENT:
      return group(ext.consumerGroup)
    case RequestCode.HEART_BEAT: {
      const data = decodeBody(HeartbeatData, request.body)
      if (data._tag === "Left") return []
      return data.right.consumerDataSet.flatMap((c) => [
        ...group(c.groupName),
        ...c.subscriptionDataSet.filter((s) => !s.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)).flatMap((s) =>
          topic(s.topic, bits.SUB)
        )
      ])
    }
    default:
      return []
  }
}

const refusal = (message: string, frame: string) =>
  `org.apache.rocketmq.acl.common.AclException: ${message}, org.apache.rocketmq.acl.plain.PlainPermissionManager.${frame}`

/**
 * Checks a request against the access list as the Java broker does (Java: `PlainPermissionManager.validate` and
 * `checkPerm`): the access key must be known, the signature right, and each topic or group the request touches
 * permitted. Answers the remark of the refusal (as the real broker words it, stack frame included), or `undefined`.
 *
 * @since 0.1.0
 * @category embedded
 */
export const aclRefusal = (accounts: ReadonlyArray<AclAccount>, request: RemotingCommand): string | undefined => {
  const ext = request.extFields ?? {}
  const accessKey = ext[AclField.ACCESS_KEY]
  if (accessKey === undefined) return refusal("No accessKey is configured", "validate(PlainPermissionManager.java:664)")
  const account = accounts.find((a) => a.accessKey === accessKey)
  if (account === undefined) {
    return refusal(`No acl config for ${accessKey}`, "validate(PlainPermissionManager.java:668)")
  }
  if (signature(ext, request.body, account.secretKey) !== ext[AclField.SIGNATURE]) {
    return refusal(`Check signature failed for accessKey=${accessKey}`, "validate(PlainPermissionManager.java:684)")
  }
  if (account.admin === true && account.topicPerms === undefined && account.groupPerms === undefined) return undefined
  for (const resource of resourcesOf(request)) {
    const owned = resource.group
      ? account.groupPerms?.[resource.name] ?? account.defaultGroupPerm ?? "DENY"
      : account.topicPerms?.[resource.name] ?? account.defaultTopicPerm ?? "DENY"
    if (!permits(resource.perm, bits[owned])) {
      const listed = resource.group ? account.groupPerms?.[resource.name] : account.topicPerms?.[resource.name]
      return refusal(
        `No default permission for ${resource.group ? "group" : "topic"}=${resource.name}`,
        `checkPerm(PlainPermissionManager.java:${listed === undefined ? 606 : 611})`
      )
    }
  }
  return undefined
}
