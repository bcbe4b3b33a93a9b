// Waits until a real name server lists a broker: a broker prints "boot success" before its registration is answered,
// and on a busy machine that answer can time out (the broker then registers again 30 s later).
import { Duration, Effect, Layer, Schedule } from "effect"
import * as RemotingClientLive from "../../../src/layers/RemotingClientLive.js"
import { RequestHandlersLive } from "../../../src/layers/RequestHandlersLive.js"
import { request } from "../../../src/protocol/RemotingCommand.js"
import { RequestCode } from "../../../src/protocol/RequestCode.js"
import { NameServerAddresses } from "../../../src/services/NameServerAddresses.js"
import { RemotingClient } from "../../../src/services/RemotingClient.js"
import { RpcHooks } from "../../../src/services/RpcHooks.js"
import { ProcessFailedError } from "./RealSetupError.js"

/** GET_BROKER_CLUSTER_INFO until its answer names `brokerAddress`, for at most `within`. */
export const awaitRegistered = (
  nameServer: string,
  brokerAddress: string,
  log: () => string,
  within: Duration.DurationInput = "90 seconds"
) =>
  Effect.flatMap(
    RemotingClient,
    (client) =>
      client.invoke(nameServer, request(RequestCode.GET_BROKER_CLUSTER_INFO), "5 seconds").pipe(
        Effect.map((answer) =>
          Buffer.from(answer.body ?? new Uint8Array()).toString("utf8").includes(`"${brokerAddress}"`)
        ),
        Effect.filterOrFail((listed) => listed),
        Effect.retry(Schedule.spaced("200 millis")),
        Effect.timeoutFail({
          duration: within,
          onTimeout: () =>
            new ProcessFailedError({
              name: `broker ${brokerAddress}`,
              reason: `was not listed by the name server ${nameServer} within ${
                Duration.format(Duration.decode(within))
              }`,
              log: log()
            })
        }),
        Effect.mapError((error) =>
          error._tag === "ProcessFailedError"
            ? error
            : new ProcessFailedError({ name: `broker ${brokerAddress}`, reason: String(error), log: log() })
        )
      )
  ).pipe(
    Effect.asVoid,
    Effect.provide(
      RemotingClientLive.layer().pipe(
        Layer.provideMerge(RequestHandlersLive),
        Layer.provide(RpcHooks.layer([])),
        Layer.provide(NameServerAddresses.fixed([nameServer]))
      )
    )
  )
