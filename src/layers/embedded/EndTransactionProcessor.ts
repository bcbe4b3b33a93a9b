import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { EndTransactionRequestHeader } from "../../protocol/headers/TransactionHeaders.js"
import { type RemotingCommand, response } from "../../protocol/RemotingCommand.js"
import { ResponseCode } from "../../protocol/ResponseCode.js"
import { type BrokerState, withHeader } from "./BrokerState.js"

/**
 * The end of a transaction a producer sends (Java: `EndTransactionProcessor`): its prepared message committed or
 * rolled back by the broker's transactions.
 *
 * @since 0.1.0
 * @category embedded
 */
export const makeEndTransactionProcessor = (state: BrokerState) => {
  const { transactions } = state
  return (request: RemotingCommand) =>
    withHeader(request, EndTransactionRequestHeader, (h) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        transactions.end(h, now)
        return response(request, ResponseCode.SUCCESS)
      }))
}
