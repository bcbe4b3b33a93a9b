// One start-up of bench/startup.ts: a process that builds a client and a producer as a user's program would (the
// package's entry, client defaults) and sends one message; it reports the time from the process's start
// (`performance.timeOrigin`) to the first SEND_OK, and how much of it importing took.
//   node startup-client.js ours <namesrv> <topic>
//   node startup-client.js ali-ons <namesrv> <topic>
const [client, nameServerAddress, topic] = process.argv.slice(2) as [string, string, string]

const ours = async () => {
  const { ClientLive, Producer, ProducerLive } = await import("../src/index.js")
  const { Effect, Layer } = await import("effect")
  const imported = performance.now()
  await Effect.runPromise(
    Effect.flatMap(Producer, (producer) => producer.send({ topic, body: Buffer.from("hello") })).pipe(
      Effect.provide(
        ProducerLive.layer({ group: "startup_producer" }).pipe(
          Layer.provideMerge(ClientLive.layer({ nameServerAddress }))
        )
      )
    )
  )
  return imported
}

const aliOns = async () => {
  const { Message, Producer } = await import("ali-ons")
  const imported = performance.now()
  // ali-ons asks for an HTTP client for its address server, which a configured name server leaves unused.
  const httpclient = { request: () => Promise.reject(new Error("no address server in this benchmark")) }
  const producer = new Producer({
    nameSrv: nameServerAddress,
    producerGroup: "startup_producer_ali",
    persistent: false,
    httpclient
  })
  await producer.ready()
  const result = await producer.send(new Message(topic, "TagA", "hello"))
  if (result.sendStatus !== "SEND_OK") throw new Error(`ali-ons: ${result.sendStatus}`)
  await producer.close()
  return imported
}

const imported = await (client === "ali-ons" ? aliOns() : ours())
process.send!({ sendOkMs: performance.now(), importMs: imported }, () => process.exit(0))
