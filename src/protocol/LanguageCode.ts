import { codeNames } from "./internal/codeNames.js"

/**
 * Language codes a peer announces in its header (`org.apache.rocketmq.remoting.protocol.LanguageCode`):
 * the JSON header carries the name, the ROCKETMQ binary header the number.
 *
 * @since 0.1.0
 * @category protocol
 */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12
} as const

/**
 * A language name, e.g. `"JAVA"`.
 *
 * @since 0.1.0
 * @category protocol
 */
export type LanguageName = keyof typeof LanguageCode

/**
 * The language of a numeric code, or `undefined` for a number Java does not define.
 *
 * @since 0.1.0
 * @category protocol
 */
export const languageOfCode = codeNames(LanguageCode)

/**
 * Whether a string is a language name Java defines.
 *
 * @since 0.1.0
 * @category protocol
 */
export const isLanguageName = (name: string): name is LanguageName => Object.hasOwn(LanguageCode, name)
