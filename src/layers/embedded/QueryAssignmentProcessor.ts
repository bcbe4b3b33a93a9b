import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import {
  type MessageRequestMode,
  QueryAssignmentRequestBody,
  SetMessageRequestModeRequestBody
} from "../../protocol/bodies/AssignmentBodies.js"
import { QueryAssignmentResponseBody } from "../../protocol/bodies/AssignmentBodies.js"
import { decodeBody, encodeBody } from "../../protocol/bodies/Body.js"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import { RETRY_GROUP_TOPIC_PREFIX } from "../../protocol/MessageConst.js"
import { compareMessageQueues, type MessageQueue, messageQueueKey } from "../../protocol/MessageQueue.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import {
  type AllocateMessageQueueStrategy,
  averagely,
  averagelyByCircle,
  consistentHash
} from "../../services/AllocateMessageQueue.js"
import type { BrokerState } from "./BrokerState.js"
import { fail } from "./BrokerState.js"
import type { TopicConfig } from "./MessageStore.js"

/**
 * The brokers of the cluster as the assignment sees them (Java: the broker's `TopicRouteInfoManager`, which asks the
 * name server): each broker's name and topics.
 *
 * @since 0.1.0
 * @category embedded
 */
export type ClusterView = () => ReadonlyArray<{
  readonly brokerName: string
  readonly topics: ReadonlyMap<string, TopicConfig>
}>

/** The strategies the broker allocates with, by the name the client sends (Java: `name2LoadStrategy`). */
const strategies: ReadonlyMap<string, AllocateMessageQueueStrategy> = new Map(
  [averagely, averagelyByCircle, consistentHash()].map((s) => [s.name, s])
)

/**
 * Queues shared in POP mode (Java: `QueryAssignmentProcessor.allocate4Pop`): with `popShareQueueNum` 0 (or at least the
 * other consumers' number) every consumer pops every queue (queue id -1 per broker); else each pops its own share and
 * those of the `popShareQueueNum` consumers after it.
 *
 * @since 0.1.0
 * @category embedded
 */
export const allocate4Pop = (
  strategy: AllocateMessageQueueStrategy,
  clientId: string,
  mqAll: ReadonlyArray<MessageQueue>,
  cidAll: ReadonlyArray<string>,
  popShareQueueNum: number
): ReadonlyArray<MessageQueue> => {
  if (popShareQueueNum <= 0 || popShareQueueNum >= cidAll.length - 1) {
    const seen = new Map<string, MessageQueue>()
    for (const mq of mqAll) {
      const whole = { topic: mq.topic, brokerName: mq.brokerName, queueId: -1 }
      seen.set(messageQueueKey(whole), whole)
    }
    return [...seen.values()]
  }
  if (cidAll.length > mqAll.length) {
    // Every consumer gets a queue: the queues dealt round the consumers.
    const index = cidAll.indexOf(clientId)
    return index < 0 ? [] : [mqAll[index % mqAll.length]!]
  }
  const result = [...strategy.allocate(clientId, mqAll, cidAll)]
  let index = cidAll.indexOf(clientId)
  if (index >= 0) {
    for (let i = 1; i <= popShareQueueNum; i++) {
      index = (index + 1) % cidAll.length
      result.push(...strategy.allocate(cidAll[index]!, mqAll, cidAll))
    }
  }
  return result
}

/**
 * QUERY_ASSIGNMENT and SET_MESSAGE_REQUEST_MODE (Java 5.x: `QueryAssignmentProcessor`, `MessageRequestModeManager`):
 * the mode of a topic and group (PULL unless `mqadmin setConsumeMode` said POP; a retry topic always PULL), and the
 * queues of the whole cluster this client reads in it, allocated among the group's clients the broker knows.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeQueryAssignmentProcessor = (state: BrokerState, cluster: ClusterView) => {
  const modes = new Map<string, { readonly mode: MessageRequestMode; readonly popShareQueueNum: number }>()
  const modeKey = (topic: string, group: string) => `${topic}@${group}`

  const setMessageRequestMode = (request: RemotingCommand) =>
    Either.match(decodeBody(SetMessageRequestModeRequestBody, request.body), {
      onLeft: (error) => fail(request, ResponseCode.SYSTEM_ERROR, error.message),
      onRight: (body) => {
        if (body.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
          return fail(request, ResponseCode.NO_PERMISSION, "retry topic is not allowed to set mode")
        }
        modes.set(modeKey(body.topic, body.consumerGroup), { mode: body.mode, popShareQueueNum: body.popShareQueueNum })
        return Effect.succeed(response(request, ResponseCode.SUCCESS))
      }
    })

  /** The readable queues of a topic over the cluster (Java: `TopicRouteInfoManager.getTopicSubscribeInfo`). */
  const subscribeQueues = (topic: string): ReadonlyArray<MessageQueue> =>
    cluster().flatMap((broker) => {
      const config = broker.topics.get(topic)
      if (config === undefined || (config.perm & PermName.READ) === 0) return []
      return Array.from({ length: config.readQueueNums }, (_, queueId) => ({
        topic,
        brokerName: broker.brokerName,
        queueId
      }))
    }).sort(compareMessageQueues)

  const queryAssignment = (request: RemotingCommand) =>
    Either.match(decodeBody(QueryAssignmentRequestBody, request.body), {
      onLeft: (error) => fail(request, ResponseCode.SYSTEM_ERROR, error.message),
      onRight: (body) => {
        const set = modes.get(modeKey(body.topic, body.consumerGroup))
        const mode: MessageRequestMode = body.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) ? "PULL" : set?.mode ?? "PULL"
        const mqAll = subscribeQueues(body.topic)
        const cidAll = [...state.clients.consumerIds(body.consumerGroup)].sort()
        const strategy = strategies.get(body.strategyName)
        let queues: ReadonlyArray<MessageQueue> = []
        if (body.messageModel === "BROADCASTING") queues = mqAll
        else if (mqAll.length > 0 && cidAll.length > 0 && strategy !== undefined) {
          queues = mode === "POP"
            ? allocate4Pop(strategy, body.clientId, mqAll, cidAll, set?.popShareQueueNum ?? 0)
            : strategy.allocate(body.clientId, mqAll, cidAll)
        }
        const messageQueueAssignments = queues.map((messageQueue) => ({ messageQueue, mode }))
        return Effect.succeed(response(request, ResponseCode.SUCCESS, {
          body: encodeBody(QueryAssignmentResponseBody, { messageQueueAssignments })
        }))
      }
    })

  return { queryAssignment, setMessageRequestMode }
}
