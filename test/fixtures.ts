// Loads the frames captured from real RocketMQ clusters (test/fixtures/rocketmq-<version>, see the README in each):
// 4.9.8 by default, 5.0.0 through the `version` arguments.
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export interface CapturedMessage {
  readonly totalSize: number
  readonly magic: string
  readonly bodyCRC: number
  readonly queueId: number
  readonly flag: number
  readonly queueOffset: number
  readonly commitLogOffset: number
  readonly sysFlag: number
  readonly bornTimestamp: number
  readonly bornHost: string
  readonly storeTimestamp: number
  readonly storeHost: string
  readonly reconsumeTimes: number
  readonly preparedTransactionOffset: number
  readonly topic: string
  readonly properties: Record<string, string>
  readonly body: { readonly utf8?: string; readonly utf8Prefix?: string; readonly length?: number }
}

export interface CapturedFrame {
  readonly file: string
  readonly line: number
  readonly conn: number
  readonly from: string
  readonly to: string
  readonly serializeType: "JSON" | "ROCKETMQ"
  readonly header: {
    readonly code: number
    readonly language: string | number
    readonly version: number
    readonly opaque: number
    readonly flag: number
    readonly remark?: string
    readonly extFields?: Record<string, string>
  }
  readonly bodyLength: number
  readonly hex: string
  readonly requestCode: number
  readonly bodyText?: string
  readonly messages?: ReadonlyArray<CapturedMessage>
}

/** The versions whose captures are in test/fixtures. */
export type FixtureVersion = "4.9.8" | "5.0.0"

/** The directory of a version's captures. */
export const fixtureDirOf = (version: FixtureVersion): string =>
  join(dirname(fileURLToPath(import.meta.url)), "fixtures", `rocketmq-${version}`)

export const fixtureDir = fixtureDirOf("4.9.8")

export const loadScenario = (file: string, version: FixtureVersion = "4.9.8"): Array<CapturedFrame> =>
  readFileSync(join(fixtureDirOf(version), file), "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l, i) => ({ ...(JSON.parse(l) as Omit<CapturedFrame, "file" | "line">), file, line: i + 1 }))

export const scenarioFilesOf = (version: FixtureVersion): Array<string> =>
  readdirSync(fixtureDirOf(version)).filter((f) => f.endsWith(".jsonl")).sort()

export const scenarioFiles = scenarioFilesOf("4.9.8")

export const allFrames: Array<CapturedFrame> = scenarioFiles.flatMap((f) => loadScenario(f))

/** Every frame captured from the RocketMQ 5.0.0 cluster. */
export const allFrames5: Array<CapturedFrame> = scenarioFilesOf("5.0.0").flatMap((f) => loadScenario(f, "5.0.0"))
