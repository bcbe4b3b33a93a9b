/**
 * Name servers from the address server (Java: `TopAddressing`), over `@effect/platform`'s `HttpClient`. A module of its
 * own, loaded only by a client that uses an address server (see `NameServerAddressesLive.fromClientConfig`).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import { NameServerAddresses, parseAddressServerAnswer } from "../services/NameServerAddresses.js"

/**
 * The address server did not answer with a name-server list.
 *
 * @since 0.1.0
 * @category errors
 */
export class AddressServerError extends Data.TaggedError("AddressServerError")<{
  readonly url: string
  readonly reason: string
}> {
  override get message(): string {
    return `address server ${this.url}: ${this.reason}`
  }
}

/** Refreshes that failed, kept for observation. */
const failedRefreshes = Metric.counter("rocketmq_namesrv_address_refresh_failures_total", {
  description: "Address-server fetches that failed (the last good list stays in force)"
})

/**
 * When the address server is asked (Java: `MQClientInstance.startScheduledTask`): once at start, then first after
 * 10 s and every 2 minutes; each fetch has 3 s.
 *
 * @since 0.1.0
 * @category address server
 */
export interface AddressServerOptions {
  readonly url: string
  readonly firstDelay?: Duration.DurationInput | undefined
  readonly interval?: Duration.DurationInput | undefined
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * Name servers from the address server over HTTP (`@effect/platform`'s `HttpClient`), refreshed on schedule in the
 * layer's scope. A failed or empty fetch is logged and counted and the last good list stays in force.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromAddressServer = (
  options: AddressServerOptions
): Layer.Layer<NameServerAddresses, never, HttpClient.HttpClient> =>
  Layer.scoped(
    NameServerAddresses,
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const current = yield* Ref.make<ReadonlyArray<string>>([])
      const fetch = Effect.gen(function*() {
        const response = yield* client.get(options.url)
        if (response.status !== 200) {
          return yield* new AddressServerError({ url: options.url, reason: `HTTP status ${response.status}` })
        }
        const list = parseAddressServerAnswer(yield* response.text)
        if (list.length === 0) return yield* new AddressServerError({ url: options.url, reason: "an empty list" })
        return list
      }).pipe(
        Effect.timeoutFail({
          duration: options.timeout ?? "3 seconds",
          onTimeout: () => new AddressServerError({ url: options.url, reason: "no answer in time" })
        }),
        Effect.mapError((e) =>
          e._tag === "AddressServerError" ? e : new AddressServerError({ url: options.url, reason: e.message })
        )
      )
      const refresh = fetch.pipe(
        Effect.flatMap((list) =>
          Effect.flatMap(Ref.getAndSet(current, list), (before) =>
            before.join(";") === list.join(";")
              ? Effect.void
              : Effect.logInfo("name servers changed").pipe(Effect.annotateLogs({ nameServers: list.join(";") })))
        ),
        Effect.catchAll((error) =>
          Effect.zipRight(
            Metric.increment(failedRefreshes),
            Effect.logWarning("cannot fetch name servers; the last good list stays").pipe(
              Effect.annotateLogs({ url: error.url, reason: error.reason })
            )
          )
        )
      )
      yield* refresh
      yield* refresh.pipe(
        Effect.repeat(Schedule.spaced(options.interval ?? "2 minutes")),
        Effect.delay(options.firstDelay ?? "10 seconds"),
        Effect.forkScoped
      )
      return { get: Ref.get(current) }
    })
  )
