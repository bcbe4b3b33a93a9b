import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { encodeBody } from "../protocol/bodies/Body.js"
import { encodeConsumerRunningInfo } from "../protocol/bodies/ConsumerRunningInfo.js"
import { encodeGetConsumerStatusBody } from "../protocol/bodies/GetConsumerStatusBody.js"
import { ConsumeMessageDirectlyResult, parseOffsetTable } from "../protocol/bodies/OffsetTableBody.js"
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumerStatusRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  ResetOffsetRequestHeader
} from "../protocol/headers/ClientHeaders.js"
import { decodeHeader } from "../protocol/headers/CommandHeader.js"
import { decodeMessages } from "../protocol/MessageDecoder.js"
import { type RemotingCommand, response } from "../protocol/RemotingCommand.js"
import { RequestCode } from "../protocol/RequestCode.js"
import { ResponseCode } from "../protocol/ResponseCode.js"
import { type ConsumerRegistration, GroupTable } from "../services/GroupTable.js"
import { RebalanceService } from "../services/RebalanceService.js"
import { RequestHandlers } from "../services/RequestHandlers.js"

/** The answer Java gives a request about a consumer group this instance does not have. */
const noSuchGroup = (command: RemotingCommand, group: string) =>
  response(command, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer Group <${group}> not exist in this consumer` })

/**
 * The requests brokers send a client instance about its consumer groups (Java: `ClientRemotingProcessor`), handled
 * for as long as the layer's scope lives: NOTIFY_CONSUMER_IDS_CHANGED wakes the rebalance service;
 * GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY and RESET_CONSUMER_CLIENT_OFFSET go to the group's consumer;
 * GET_CONSUMER_STATUS_FROM_CLIENT is answered with the group's offsets of the topic (none for a group not here, as
 * Java answers).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, never, GroupTable | RebalanceService | RequestHandlers> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const handlers = yield* RequestHandlers
    const groups = yield* GroupTable
    const rebalance = yield* RebalanceService

    /** A request about one group, answered by that group's consumer. */
    const consumerOf = <A>(
      command: RemotingCommand,
      header: Either.Either<A, unknown>,
      group: (a: A) => string,
      answer: (consumer: ConsumerRegistration, a: A) => Effect.Effect<RemotingCommand | undefined>
    ) => {
      if (Either.isLeft(header)) {
        return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "bad request header" }))
      }
      return Effect.flatMap(groups.consumer(group(header.right)), (consumer) =>
        consumer === undefined
          ? Effect.succeed(noSuchGroup(command, group(header.right)))
          : answer(consumer, header.right))
    }

    yield* handlers.register(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (command, context) =>
      Effect.as(
        Effect.zipRight(
          Effect.logDebug("the broker says a consumer group changed; rebalancing").pipe(
            Effect.annotateLogs({
              address: context.address,
              group: Either.getOrUndefined(decodeHeader(NotifyConsumerIdsChangedRequestHeader, command.extFields))
                ?.consumerGroup ?? ""
            })
          ),
          rebalance.wakeup
        ),
        undefined
      ))
    yield* handlers.register(RequestCode.GET_CONSUMER_RUNNING_INFO, (command) =>
      consumerOf(
        command,
        decodeHeader(GetConsumerRunningInfoRequestHeader, command.extFields),
        (h) => h.consumerGroup,
        (consumer) =>
          consumer.runningInfo === undefined
            ? Effect.succeed(noSuchGroup(command, consumer.groupName))
            : Effect.map(
              consumer.runningInfo,
              (info) => response(command, ResponseCode.SUCCESS, { body: encodeConsumerRunningInfo(info) })
            )
      ))
    yield* handlers.register(RequestCode.CONSUME_MESSAGE_DIRECTLY, (command) =>
      consumerOf(
        command,
        decodeHeader(ConsumeMessageDirectlyResultRequestHeader, command.extFields),
        (h) => h.consumerGroup,
        (consumer, h) => {
          const [message] = Either.getOrElse(decodeMessages(command.body ?? new Uint8Array(0)), () => [])
          if (consumer.consumeDirectly === undefined || message === undefined) {
            return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "no message to consume" }))
          }
          return Effect.map(consumer.consumeDirectly(message, h.brokerName), (result) =>
            response(command, ResponseCode.SUCCESS, { body: encodeBody(ConsumeMessageDirectlyResult, result) }))
        }
      ))
    yield* handlers.register(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, (command) => {
      const header = decodeHeader(GetConsumerStatusRequestHeader, command.extFields)
      if (Either.isLeft(header)) {
        return Effect.succeed(response(command, ResponseCode.SYSTEM_ERROR, { remark: "bad request header" }))
      }
      // Java (`ClientRemotingProcessor.getConsumeStatus`): an unknown group or kind of consumer answers an empty table.
      return groups.consumer(header.right.group).pipe(
        Effect.flatMap((consumer) => consumer?.consumeStatus?.(header.right.topic) ?? Effect.succeed([])),
        Effect.map((offsets) => response(command, ResponseCode.SUCCESS, { body: encodeGetConsumerStatusBody(offsets) }))
      )
    })
    yield* handlers.register(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (command) =>
      consumerOf(
        command,
        decodeHeader(ResetOffsetRequestHeader, command.extFields),
        (h) => h.group,
        (consumer, h) => {
          const offsets = parseOffsetTable(Buffer.from(command.body ?? new Uint8Array(0)).toString("utf8"))
          if (consumer.resetOffset === undefined || Either.isLeft(offsets)) return Effect.succeed(undefined)
          // Java answers nothing to a reset.
          return Effect.as(consumer.resetOffset(h.topic, offsets.right), undefined)
        }
      ))
  })
)
