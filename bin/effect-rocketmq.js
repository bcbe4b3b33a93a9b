#!/usr/bin/env node
// The command line: runs the compiled CLI program (built by `npm run build`, which `npm ci` runs through `prepare`).
import "../dist/src/programs/cli.js"
