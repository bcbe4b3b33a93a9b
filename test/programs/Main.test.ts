import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { promisify } from "node:util"

describe("npm start (the main program)", () => {
  it("starts the embedded cluster, sends 1,000 messages and gets every one back", async () => {
    const env = { ...process.env }
    delete env.ROCKETMQ_NAMESRV_ADDR
    const { stdout } = await promisify(execFile)("npx", ["tsx", "src/programs/main.ts"], { env })
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, number>
    expect(summary).toMatchObject({ sent: 1000, received: 1000, lost: 0, duplicates: 0 })
    expect(summary.messagesPerSecond).toBeGreaterThan(0)
  })
})
