import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import { type ClientConfig, type ClientConfigError, nameServerSource } from "../services/ClientConfig.js"
import { addressServerUrl, NameServerAddresses } from "../services/NameServerAddresses.js"

/**
 * The name servers of a client configuration: its fixed list, or, when it names none, the address server of its
 * domain and subgroup (Java: `namesrvAddr` null) if it names one. With neither, the layer fails with a
 * `ClientConfigError` saying how to set one (Java would ask `jmenv.tbsite.net`). The address server's client
 * (`AddressServerLive`, over `@effect/platform-node`'s HTTP client) is loaded only when one is used: a program with
 * its name servers set never loads an HTTP stack.
 *
 * @since 0.1.0
 * @category layers
 */
export const fromClientConfig = (
  config: ClientConfig
): Layer.Layer<NameServerAddresses, ClientConfigError> =>
  Either.match(nameServerSource(config), {
    onLeft: (error) => Layer.fail(error),
    onRight: (source) =>
      source._tag === "Fixed"
        ? NameServerAddresses.fixed(source.addresses)
        : Layer.unwrapEffect(Effect.map(
          Effect.promise(() =>
            Promise.all([import("./AddressServerLive.js"), import("@effect/platform-node/NodeHttpClient")])
          ),
          ([server, http]) =>
            server.fromAddressServer({
              url: addressServerUrl(source.domain, config.nameServerSubgroup, config.unitName)
            }).pipe(Layer.provide(http.layer))
        ))
  })
