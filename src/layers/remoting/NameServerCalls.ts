import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type { RemotingCommand } from "../../protocol/RemotingCommand.js"
import type { NameServerAddressesService } from "../../services/NameServerAddresses.js"
import {
  NoNameServerError,
  type RemotingClientService,
  type RemotingError,
  RemotingTimeoutError
} from "../../services/RemotingClient.js"

/**
 * Name-server calls over `invoke` (Java: `getAndCreateNameserverChannel`): the name server last used while it
 * answers, else the next of the list when one cannot be reached. The call's timeout covers every try; each name
 * server gets a part of what is left to connect in, so one that drops connection attempts leaves time for the next.
 *
 * @since 0.1.0
 * @category internal
 */
export const makeInvokeNameServer = (
  invoke: RemotingClientService["invoke"],
  nameServers: NameServerAddressesService,
  clock: Clock.Clock,
  timeoutMillisOf: (timeout: Parameters<RemotingClientService["invokeNameServer"]>[1]) => number
): Effect.Effect<RemotingClientService["invokeNameServer"]> =>
  Effect.map(
    Ref.make(Option.none<string>()),
    (chosenNameServer) => (request: RemotingCommand, timeout) =>
      Effect.gen(function*() {
        const addresses = yield* nameServers.get
        if (addresses.length === 0) return yield* new NoNameServerError()
        const chosen = yield* Ref.get(chosenNameServer)
        const at = Option.isSome(chosen)
          ? Math.max(0, addresses.indexOf(chosen.value))
          : yield* Random.nextIntBetween(0, addresses.length)
        const timeoutMillis = timeoutMillisOf(timeout)
        const deadline = clock.unsafeCurrentTimeMillis() + timeoutMillis
        let lastError: RemotingError | undefined
        for (let i = 0; i < addresses.length; i++) {
          const address = addresses[(at + i) % addresses.length]!
          const left = deadline - clock.unsafeCurrentTimeMillis()
          if (left <= 0) break
          const connectTimeout = Math.max(1, Math.floor(left / (addresses.length - i)))
          const result = yield* Effect.either(invoke(address, request, left, { connectTimeout }))
          if (result._tag === "Right") {
            yield* Ref.set(chosenNameServer, Option.some(address))
            return result.right
          }
          lastError = result.left
          // Fail over only when the name server could not be reached; any other failure is the answer.
          if (lastError._tag !== "RemotingConnectError" && lastError._tag !== "RemotingConnectionError") break
          yield* Effect.logWarning("name server unreachable, trying the next").pipe(
            Effect.annotateLogs({ address, error: lastError.message })
          )
        }
        return yield* Effect.fail(
          lastError ?? new RemotingTimeoutError({ address: "name server", code: request.code, timeoutMillis })
        )
      })
  )
