// A minimal remoting echo server for bench/remoting.ts, run in a worker thread: every request frame comes back as
// its own response (the response bit set in place, same opaque); oneway requests get nothing.
import * as net from "node:net"
import { parentPort } from "node:worker_threads"

const FLAG_ZERO = Buffer.from("\"flag\":0")

const respond = (socket, frame) => {
  const type = frame[4]
  if (type === 1) {
    // ROCKETMQ binary header: flag is the int32 at header offset 9.
    const at = 8 + 9
    const flag = frame.readInt32BE(at)
    if ((flag & 2) !== 0) return
    frame.writeInt32BE(flag | 1, at)
  } else {
    const headerLength = frame.readInt32BE(4) & 0xffffff
    const at = frame.subarray(8, 8 + headerLength).indexOf(FLAG_ZERO)
    if (at < 0) return
    frame[8 + at + FLAG_ZERO.length - 1] = 0x31
  }
  socket.write(frame)
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true)
  let buffered = Buffer.alloc(0)
  socket.on("data", (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    socket.cork()
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0) + 4
      if (buffered.length < size) break
      respond(socket, Buffer.from(buffered.subarray(0, size)))
      buffered = buffered.subarray(size)
    }
    socket.uncork()
  })
  socket.on("error", () => socket.destroy())
})
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port))
parentPort.on("message", (message) => {
  if (message === "stop") server.close(() => process.exit(0))
})
