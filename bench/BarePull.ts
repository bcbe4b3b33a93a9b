// The bare PULL_MESSAGE loop the consumer benchmarks compare against: the floor of a drain on the same broker (no
// process queue, handler, commit or flow control; each pull's messages decoded, nothing more).
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { decodeMessages } from "../src/protocol/MessageDecoder.js"
import { RemotingClient } from "../src/services/RemotingClient.js"
import { TopicRouteCache } from "../src/services/TopicRouteCache.js"
import { pullRequest } from "./stacks.js"

/**
 * Every queue of `topic` pulled from offset 0 to its end, 32 at a time, all queues in parallel: how many messages
 * were read. Dies when fewer than `count` were there.
 */
export const barePull = (group: string, topic: string, count: number) =>
  Effect.gen(function*() {
    const client = yield* RemotingClient
    const route = Option.getOrThrow((yield* (yield* TopicRouteCache).refresh(topic)).route)
    let total = 0
    yield* Effect.forEach(route.queueDatas, (queues) =>
      Effect.forEach(
        Array.from({ length: queues.readQueueNums }, (_, q) => q),
        (queueId) =>
          Effect.gen(function*() {
            const address = route.brokerDatas.find((b) => b.brokerName === queues.brokerName)!.brokerAddrs["0"]!
            let offset = 0
            for (;;) {
              const answer = yield* client.invoke(address, pullRequest(group, topic, queueId, offset))
              if (answer.body === undefined) break
              total += (yield* decodeMessages(answer.body)).length
              offset = Number(answer.extFields?.nextBeginOffset)
            }
          }),
        { concurrency: "unbounded", discard: true }
      ), { concurrency: "unbounded", discard: true })
    if (total < count) return yield* Effect.dieMessage(`bare pull read ${total} of ${count}`)
    return total
  })
