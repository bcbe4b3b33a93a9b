// `npm run bench`: every benchmark, each printing its figures beside its peer's.
import { run as codec } from "./codec.js"
import { run as consume } from "./consume.js"
import { run as embedded } from "./embedded.js"
import { run as produce, runClientOnly as produceClientOnly } from "./produce.js"
import { run as remoting } from "./remoting.js"
import { run as startup } from "./startup.js"

const seconds = Number(process.env.BENCH_SECONDS ?? 1)
codec(seconds)
await remoting(seconds)
await embedded(seconds)
await produce(seconds)
await produceClientOnly(seconds)
await consume(seconds)
await startup()
