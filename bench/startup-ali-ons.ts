// One start-up of ali-ons for bench/startup.ts: a producer with a configured name server that sends one message and
// reports the time from the process's start (`performance.timeOrigin`) to the first SEND_OK, and when its import
// ended.
//   node startup-ali-ons.js <namesrv> <topic>
import { Message, Producer } from "ali-ons"

const imported = performance.now()
const [nameServerAddress, topic] = process.argv.slice(2) as [string, string]
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
process.send!({ sendOkMs: performance.now(), importMs: imported }, () => process.exit(0))
