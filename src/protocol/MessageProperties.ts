import { emptyProperties } from "./internal/PropertyRecord.js"
/**
 * Separator between a property's name and value (Java: `MessageDecoder.NAME_VALUE_SEPARATOR`, char 1).
 *
 * @since 0.1.0
 * @category protocol
 */
export const NAME_VALUE_SEPARATOR = "\u0001"

/**
 * Separator between properties (Java: `MessageDecoder.PROPERTY_SEPARATOR`, char 2).
 *
 * @since 0.1.0
 * @category protocol
 */
export const PROPERTY_SEPARATOR = "\u0002"

/**
 * Message properties as a record, in insertion order.
 *
 * @since 0.1.0
 * @category models
 */
export type MessageProperties = Readonly<Record<string, string>>

/**
 * Writes properties as `name\u0001value\u0002...` with no trailing separator (Java:
 * `MessageDecoder.messageProperties2String`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const propertiesToString = (properties: MessageProperties | undefined): string => {
  if (properties === undefined) return ""
  let out = ""
  for (const name in properties) {
    const value = properties[name]
    if (value === undefined || value === null) continue
    if (out.length > 0) out += PROPERTY_SEPARATOR
    out += name + NAME_VALUE_SEPARATOR + value
  }
  return out
}

/**
 * Parses a properties string (Java: `MessageDecoder.string2messageProperties`): segments shorter than 3 characters,
 * with an empty name or with an empty value are skipped, as Java skips them.
 *
 * @since 0.1.0
 * @category decoding
 */
export const stringToProperties = (text: string): Record<string, string> => {
  const map = emptyProperties()
  const len = text.length
  let index = 0
  while (index < len) {
    let next = text.indexOf(PROPERTY_SEPARATOR, index)
    if (next < 0) next = len
    if (next - index >= 3) {
      const sep = text.indexOf(NAME_VALUE_SEPARATOR, index)
      if (sep > index && sep < next - 1) {
        map[text.substring(index, sep)] = text.substring(sep + 1, next)
      }
    }
    index = next + 1
  }
  return map
}

/**
 * The properties with `extra` added (a name in both takes its value from `extra`), as a new record (Java: the
 * broker's and consumer's `MessageAccessor.putProperty`, which changes the message's own map). Copied name by name:
 * an object spread of a parsed record (which has no prototype) takes V8's slow path.
 *
 * @since 0.1.0
 * @category encoding
 */
export const withProperties = (base: MessageProperties, extra: MessageProperties): Record<string, string> => {
  const out = emptyProperties()
  // Own names only, as a spread takes them (nothing inherited is sent).
  for (const name in base) if (Object.hasOwn(base, name)) out[name] = base[name]!
  for (const name in extra) if (Object.hasOwn(extra, name)) out[name] = extra[name]!
  return out
}
