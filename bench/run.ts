// `npm run bench`: every benchmark, each printing its figures beside its peer's.
import { run as codec } from "./codec.js"

const seconds = Number(process.env.BENCH_SECONDS ?? 1)
codec(seconds)
