import * as Either from "effect/Either"
import { ProtocolError } from "./ProtocolError.js"

const MAX_DEPTH = 512

/**
 * Parses JSON as Java's fastjson writes it: standard JSON, and also map keys that are not strings, which fastjson
 * writes bare: integers (`{0:"127.0.0.1:10911"}`, a `Map<Long, String>` such as `brokerAddrs` from name servers
 * before 4.9.4) and objects (`{{"brokerName":"a","queueId":0,"topic":"t"}:{...}}`, a `Map<MessageQueue, ...>`).
 * A non-string key becomes a string: the number's digits, or the key object's standard JSON.
 *
 * Standard JSON takes the fast path through `JSON.parse`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseFastJson = (text: string): Either.Either<unknown, ProtocolError> => {
  const fast = Either.try(() => JSON.parse(text) as unknown)
  if (Either.isRight(fast)) return Either.right(fast.right)
  return Either.try({
    try: () => new LenientParser(text).parseDocument(),
    catch: (e) => e instanceof ProtocolError ? e : new ProtocolError({ reason: String(e), offset: -1 })
  })
}

class LenientParser {
  private i = 0
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.value(0)
    this.ws()
    if (this.i < this.text.length) this.fail("unexpected text after the JSON value")
    return value
  }

  private fail(reason: string): never {
    throw new ProtocolError({ reason: `JSON: ${reason}`, offset: this.i })
  }

  private ws(): void {
    const t = this.text
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i)
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++
      else break
    }
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`)
    this.ws()
    const c = this.text[this.i]
    if (c === "{") return this.object(depth)
    if (c === "[") return this.array(depth)
    if (c === "\"") return this.string()
    return this.bare()
  }

  private object(depth: number): Record<string, unknown> {
    this.i++
    const out: Record<string, unknown> = {}
    this.ws()
    if (this.text[this.i] === "}") {
      this.i++
      return out
    }
    for (;;) {
      this.ws()
      const c = this.text[this.i]
      let key: string
      if (c === "\"") key = this.string()
      else if (c === "{" || c === "[") key = JSON.stringify(this.value(depth + 1))
      else key = String(this.bare())
      this.ws()
      if (this.text[this.i] !== ":") this.fail("expected ':' after an object key")
      this.i++
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true })
      this.ws()
      const next = this.text[this.i++]
      if (next === "}") return out
      if (next !== ",") this.fail("expected ',' or '}' in an object")
    }
  }

  private array(depth: number): Array<unknown> {
    this.i++
    const out: Array<unknown> = []
    this.ws()
    if (this.text[this.i] === "]") {
      this.i++
      return out
    }
    for (;;) {
      out.push(this.value(depth + 1))
      this.ws()
      const next = this.text[this.i++]
      if (next === "]") return out
      if (next !== ",") this.fail("expected ',' or ']' in an array")
    }
  }

  private string(): string {
    const start = this.i
    const t = this.text
    this.i++
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i)
      if (c === 92) this.i += 2
      else if (c === 34) {
        this.i++
        const literal = t.slice(start, this.i)
        const parsed = Either.try(() => JSON.parse(literal) as string)
        if (Either.isLeft(parsed)) {
          this.i = start
          this.fail("malformed string")
        }
        return parsed.right
      } else this.i++
    }
    this.i = start
    return this.fail("unterminated string")
  }

  /** A number, `true`, `false`, `null` or a bare identifier (used as a key). */
  private bare(): unknown {
    const start = this.i
    const t = this.text
    while (this.i < t.length && /[A-Za-z0-9_.+\-$]/.test(t[this.i]!)) this.i++
    const word = t.slice(start, this.i)
    if (word.length === 0) this.fail(`unexpected ${t[this.i] === undefined ? "end of text" : `'${t[this.i]}'`}`)
    if (word === "true") return true
    if (word === "false") return false
    if (word === "null") return null
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word)) return Number(word)
    return word
  }
}

/**
 * Writes a value as fastjson would: plain objects and arrays as standard JSON; a `Map` with number keys writes them
 * bare (`{0:"..."}`, for peers that expect the pre-4.9.4 name-server form) and one with object keys writes each key
 * as a JSON object (a `Map<MessageQueue, ...>`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const stringifyFastJson = (value: unknown): string => {
  if (value instanceof Map) {
    const parts: Array<string> = []
    for (const [k, v] of value) {
      const key = typeof k === "string" ? JSON.stringify(k) : typeof k === "number" ? String(k) : stringifyFastJson(k)
      parts.push(`${key}:${stringifyFastJson(v)}`)
    }
    return `{${parts.join(",")}}`
  }
  if (Array.isArray(value)) return `[${value.map((v) => stringifyFastJson(v ?? null)).join(",")}]`
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const parts: Array<string> = []
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(k)}:${stringifyFastJson(v)}`)
    }
    return `{${parts.join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}
