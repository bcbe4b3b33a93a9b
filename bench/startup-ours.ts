// One start-up of ours for bench/startup.ts: a program as a user writes it (the package's entry, Effect's modules by
// path, client defaults) that sends one message and reports the time from the process's start
// (`performance.timeOrigin`) to the first SEND_OK, and when its imports had been evaluated (static imports: they run
// before the first statement). bench/startup.ts runs it compiled as it is, and bundled by esbuild.
//   node startup-ours.js <namesrv> <topic>
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ClientLive, Producer, ProducerLive } from "../src/index.js"

const imported = performance.now()
const [nameServerAddress, topic] = process.argv.slice(2) as [string, string]
await Effect.runPromise(
  Effect.flatMap(Producer, (producer) => producer.send({ topic, body: Buffer.from("hello") })).pipe(
    Effect.provide(
      ProducerLive.layer({ group: "startup_producer" }).pipe(
        Layer.provideMerge(ClientLive.layer({ nameServerAddress }))
      )
    )
  )
)
process.send!({ sendOkMs: performance.now(), importMs: imported }, () => process.exit(0))
