import { defineConfig } from "vitest/config"

// .ci/run sets VITEST_JSON_REPORT to read the pass/fail counts from vitest's JSON report.
const jsonReport = process.env.VITEST_JSON_REPORT

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real-broker suite runs apart (npm run test:real, vitest.real.config.ts).
    exclude: ["test/real/**", "**/node_modules/**"],
    // dist/ built once first: the command-line tests run the bin.
    globalSetup: ["test/support/BuildDist.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: jsonReport ? ["default", ["json", { outputFile: jsonReport }]] : ["default"]
  }
})
