// Raw requests a test makes to a real broker to see what it stored: offsets of queues and of consumer groups, locks.
import { Effect, Either } from "effect"
import { decodeBody, encodeBody } from "../../../src/protocol/bodies/Body.js"
import { LockBatchRequestBody, LockBatchResponseBody } from "../../../src/protocol/bodies/ConsumerGroupBodies.js"
import type { MessageQueue } from "../../../src/protocol/MessageQueue.js"
import { type RemotingCommand, request } from "../../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { ResponseCode } from "../../../src/protocol/ResponseCode.js"
import { RemotingClient } from "../../../src/services/RemotingClient.js"

const offsetOf = (answer: RemotingCommand) =>
  answer.code === ResponseCode.SUCCESS
    ? Effect.succeed(Number(answer.extFields?.offset ?? Number.NaN))
    : Effect.dieMessage(`broker answered ${answer.code}: ${answer.remark ?? ""}`)

/** GET_MAX_OFFSET: the offset after the queue's last message. */
export const maxOffset = (broker: string, topic: string, queueId: number) =>
  Effect.flatMap(
    RemotingClient,
    (client) =>
      client.invoke(broker, request(RequestCode.GET_MAX_OFFSET, { topic, queueId: String(queueId) })).pipe(
        Effect.flatMap(offsetOf)
      )
  )

/** QUERY_CONSUMER_OFFSET: the group's committed offset on the broker, or -1 when it has none. */
export const consumerOffset = (broker: string, group: string, topic: string, queueId: number) =>
  Effect.flatMap(RemotingClient, (client) =>
    client.invoke(
      broker,
      request(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: group, topic, queueId: String(queueId) })
    ).pipe(
      Effect.flatMap((answer) => answer.code === ResponseCode.QUERY_NOT_FOUND ? Effect.succeed(-1) : offsetOf(answer))
    ))

/** LOCK_BATCH_MQ as another client: the queues the broker let it lock (none while a live consumer holds them). */
export const tryLock = (broker: string, group: string, clientId: string, queues: ReadonlyArray<MessageQueue>) =>
  Effect.flatMap(RemotingClient, (client) =>
    client.invoke(
      broker,
      request(RequestCode.LOCK_BATCH_MQ, undefined, {
        body: encodeBody(LockBatchRequestBody, { clientId, consumerGroup: group, mqSet: queues })
      })
    ).pipe(Effect.map((answer) => Either.getOrThrow(decodeBody(LockBatchResponseBody, answer.body)).lockOKMQSet)))
