import { defineConfig } from "vitest/config"

// `npm run test:real`: the suite against real RocketMQ brokers and the Java client (Java 17 and Maven needed).
// .ci/run sets VITEST_JSON_REPORT to read the pass/fail counts from vitest's JSON report.
const jsonReport = process.env.VITEST_JSON_REPORT

export default defineConfig({
  test: {
    include: ["test/real/**/*.real.test.ts"],
    globalSetup: ["test/real/support/Leaks.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // One file at a time: each starts JVMs, and the machine has two cores.
    fileParallelism: false,
    reporters: jsonReport ? ["default", ["json", { outputFile: jsonReport }]] : ["default"]
  }
})
