import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "../protocol/MessageConst.js"
import { isSystemTopic } from "./Message.js"

/**
 * Topics and groups under a namespace (Java: `NamespaceUtil`): `namespace%resource`, retry and dead-letter prefixes
 * kept in front (`%RETRY%namespace%group`); system topics and groups are never wrapped.
 *
 * @since 0.1.0
 * @category namespace
 */
const SEPARATOR = "%"
const RETRY = RETRY_GROUP_TOPIC_PREFIX
const DLQ = DLQ_GROUP_TOPIC_PREFIX
const isSystemResource = (resource: string): boolean => isSystemTopic(resource) || resource.startsWith("CID_RMQ_SYS_")

const prefixOf = (resource: string): string => resource.startsWith(RETRY) ? RETRY : resource.startsWith(DLQ) ? DLQ : ""

/**
 * A resource under a namespace (Java: `NamespaceUtil.wrapNamespace`).
 *
 * @since 0.1.0
 * @category namespace
 */
export const wrapNamespace = (namespace: string | undefined, resource: string): string => {
  if (!namespace || !resource || isSystemResource(resource)) return resource
  const prefix = prefixOf(resource)
  const bare = resource.slice(prefix.length)
  if (bare.startsWith(namespace + SEPARATOR)) return resource
  return `${prefix}${namespace}${SEPARATOR}${bare}`
}

/**
 * A resource without its namespace (Java: `NamespaceUtil.withoutNamespace`).
 *
 * @since 0.1.0
 * @category namespace
 */
export const withoutNamespace = (resource: string): string => {
  if (!resource || isSystemResource(resource)) return resource
  const prefix = prefixOf(resource)
  const bare = resource.slice(prefix.length)
  const at = bare.indexOf(SEPARATOR)
  return at > 0 ? prefix + bare.slice(at + 1) : resource
}
