#!/usr/bin/env node
// The command line: runs the compiled CLI program (built by `npm run build`, which `npm ci` runs through `prepare`).
// Its own dependency, @effect/cli, is an optional peer of the library: an application that uses the library only does
// not install it; one that wants the command line is told what to install.
try {
  await import("../dist/src/programs/cli.js")
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("@effect/cli")) {
    console.error("effect-rocketmq: the command line needs @effect/cli: npm install @effect/cli@^0.77")
    process.exit(2)
  }
  throw error
}
