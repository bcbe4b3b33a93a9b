// Loads the frames captured from a real RocketMQ 4.9.8 cluster (test/fixtures/rocketmq-4.9.8, see its README).
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

export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "rocketmq-4.9.8")

export const loadScenario = (file: string): Array<CapturedFrame> =>
  readFileSync(join(fixtureDir, file), "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l, i) => ({ ...(JSON.parse(l) as Omit<CapturedFrame, "file" | "line">), file, line: i + 1 }))

export const scenarioFiles = readdirSync(fixtureDir).filter((f) => f.endsWith(".jsonl")).sort()

export const allFrames: Array<CapturedFrame> = scenarioFiles.flatMap(loadScenario)
