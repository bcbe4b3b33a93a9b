import * as Effect from "effect/Effect"
import { PermName } from "../../protocol/bodies/TopicRouteData.js"
import { PullMessageRequestHeader, PullSysFlag } from "../../protocol/headers/ConsumeHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { parseTagExpression } from "../../protocol/TagFilter.js"
import type { BrokerState } from "./BrokerState.js"
import { fail, offsetKey, withHeader } from "./BrokerState.js"
import type { GetMessageResult } from "./MessageStore.js"

/**
 * The broker's pull path (Java: `PullMessageProcessor` with `PullRequestHoldService`): subscriptions by tag hash,
 * the real pull statuses and offsets, commit offsets carried by pulls, and long polling.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makePullMessageProcessor = (state: BrokerState) => {
  const { clients, consumerOffsets, store, topics } = state
  const pullStatusCode = (status: GetMessageResult["status"]): number => {
    switch (status) {
      case "FOUND":
        return ResponseCode.SUCCESS
      case "NO_MATCHED_MESSAGE":
        return ResponseCode.PULL_RETRY_IMMEDIATELY
      case "NO_MESSAGE_IN_QUEUE":
      case "OFFSET_OVERFLOW_ONE":
        return ResponseCode.PULL_NOT_FOUND
      case "OFFSET_OVERFLOW_BADLY":
      case "OFFSET_TOO_SMALL":
        return ResponseCode.PULL_OFFSET_MOVED
    }
  }

  const pullMessage = (request: RemotingCommand, allowSuspend: boolean): Effect.Effect<RemotingCommand | undefined> =>
    withHeader(request, PullMessageRequestHeader, (header) => {
      const topic = topics.get(header.topic)
      if (topic === undefined) {
        return fail(
          request,
          ResponseCode.TOPIC_NOT_EXIST,
          `topic[${header.topic}] not exist, apply first please! See http://rocketmq.apache.org/docs/faq/ for further details.`
        )
      }
      if ((topic.perm & PermName.READ) === 0) {
        return fail(request, ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`)
      }
      if (header.queueId < 0 || header.queueId >= topic.readQueueNums) {
        return fail(
          request,
          ResponseCode.SYSTEM_ERROR,
          `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${header.consumerGroup}]`
        )
      }
      let codes: ReadonlyArray<number>
      if ((header.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0) {
        codes = parseTagExpression(header.subscription ?? "*").codes
      } else {
        if (!clients.hasConsumerGroup(header.consumerGroup)) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, "the consumer's group info not exist")
        }
        const subscription = clients.subscription(header.consumerGroup, header.topic)
        if (subscription === undefined) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, "the consumer's subscription not exist")
        }
        if (subscription.subVersion < header.subVersion) {
          return fail(request, ResponseCode.SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest")
        }
        codes = subscription.subString === "*" ? [] : subscription.codeSet
      }
      if ((header.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && allowSuspend && header.commitOffset >= 0) {
        consumerOffsets.set(offsetKey(header.consumerGroup, header.topic, header.queueId), header.commitOffset)
      }
      const result = store.getMessages(header.topic, header.queueId, header.queueOffset, header.maxMsgNums, codes)
      const code = pullStatusCode(result.status)
      if (code === ResponseCode.PULL_NOT_FOUND && allowSuspend && (header.sysFlag & PullSysFlag.SUSPEND) !== 0) {
        // Long polling (Java: `PullRequestHoldService`): answer when a message arrives or the suspend time passes.
        return Effect.async<void>((resume) => {
          const stop = store.onArrival(header.topic, header.queueId, () => {
            stop()
            resume(Effect.void)
          })
          return Effect.sync(stop)
        }).pipe(
          Effect.timeout(header.suspendTimeoutMillis),
          Effect.option,
          Effect.zipRight(Effect.suspend(() => pullMessage(request, false)))
        )
      }
      return Effect.succeed(
        response(request, code, {
          remark: result.status,
          extFields: {
            suggestWhichBrokerId: "0",
            nextBeginOffset: String(result.nextBeginOffset),
            maxOffset: String(result.maxOffset),
            minOffset: String(result.minOffset),
            // Java 5.x adds the topic's and the group's system flags.
            ...(state.options.version === "5.0" ? { topicSysFlag: String(topic.topicSysFlag), groupSysFlag: "0" } : {})
          },
          body: result.records.length > 0 ? Buffer.concat(result.records) : undefined
        })
      )
    })

  return { pullMessage }
}
