// vitest's global set-up: builds dist/ once before the suite (`tsc -p tsconfig.build.json`, as `npm ci` does through
// `prepare`), so that the command-line tests run the real bin (bin/effect-rocketmq.js runs dist/src/programs/cli.js) on
// the sources being tested, never on a stale build.
import { execFileSync } from "node:child_process"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export default function setup(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
  execFileSync(process.execPath, [resolve(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit"
  })
}
