// A worker of bench/FuzzLive.ts: the live target's peer in a thread of its own, so that making and checking the fuzz
// frames does not take the client's thread. It posts its addresses, and closes when told to.
import { parentPort, workerData } from "node:worker_threads"
import { type PeerOptions, startPeer } from "./FuzzPeer.js"
import { loadSeeds } from "./FuzzSeeds.js"

const job = workerData as Omit<PeerOptions, "seeds"> & {
  readonly directories: ReadonlyArray<string>
  readonly counters: SharedArrayBuffer
}
const peer = await startPeer({ ...job, seeds: loadSeeds([...job.directories]) }, new Int32Array(job.counters))
parentPort!.once("message", () => void peer.close().then(() => parentPort!.close()))
parentPort!.postMessage(peer.addresses)
