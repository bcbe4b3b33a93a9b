/**
 * Java's `String.hashCode()`: `h = 31 * h + c` over the UTF-16 code units, in 32-bit arithmetic. The broker's consume
 * queue stores it for each message's tags, and subscriptions carry it in `codeSet`.
 *
 * @since 0.1.0
 * @category filtering
 */
export const javaStringHashCode = (text: string): number => {
  let h = 0
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0
  return h
}

/**
 * The subscription expression meaning every tag (Java: `SubscriptionData.SUB_ALL`).
 *
 * @since 0.1.0
 * @category filtering
 */
export const SUB_ALL = "*"

/**
 * A tag subscription parsed as Java's `FilterAPI.buildSubscriptionData` does: `a || b` split on `||` and trimmed,
 * empty parts left out; `*` or an empty expression means every tag (no tags, no codes).
 *
 * @since 0.1.0
 * @category filtering
 */
export const parseTagExpression = (
  expression: string
): { readonly subString: string; readonly tags: ReadonlyArray<string>; readonly codes: ReadonlyArray<number> } => {
  const trimmed = expression.trim()
  if (trimmed.length === 0 || trimmed === SUB_ALL) return { subString: SUB_ALL, tags: [], codes: [] }
  const tags = trimmed.split("||").map((t) => t.trim()).filter((t) => t.length > 0)
  return { subString: expression, tags, codes: tags.map(javaStringHashCode) }
}

/**
 * Whether a message with these tags passes a subscription by tag hash, as the broker's consume-queue filter does
 * (Java: `ExpressionMessageFilter.isMatchedByConsumeQueue`): every message passes `*`; a message without tags passes
 * only `*`.
 *
 * @since 0.1.0
 * @category filtering
 */
export const matchesTagCodes = (codes: ReadonlyArray<number>, tagsCode: number | undefined): boolean =>
  codes.length === 0 || (tagsCode !== undefined && codes.includes(tagsCode))
