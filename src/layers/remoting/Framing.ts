import * as Effect from "effect/Effect"
import { ProtocolError } from "../../protocol/ProtocolError.js"
import { encodeFrameParts, type FrameParts, type RemotingCommand } from "../../protocol/RemotingCommand.js"
import type { RemotingClientConfig } from "../../services/RemotingClient.js"

/**
 * How the transport frames what it sends: `prepare` gives a request its opaque (a counter of the transport's own),
 * language, version and serialization; `frameOf` encodes a command, refusing a frame over the maximum.
 *
 * @since 0.1.0
 * @category internal
 */
export interface Framing {
  readonly prepare: (request: RemotingCommand, flag: number) => RemotingCommand
  readonly frameOf: (command: RemotingCommand, address: string) => Effect.Effect<FrameParts, ProtocolError>
  readonly maxFrameLength: number
}

/**
 * @since 0.1.0
 * @category internal
 */
export const makeFraming = (
  config: Pick<RemotingClientConfig, "language" | "version" | "serializeType" | "maxFrameLength">
): Framing => {
  let opaque = 0
  return {
    prepare: (request, flag) => ({
      code: request.code,
      language: config.language,
      version: config.version,
      opaque: (opaque = (opaque + 1) | 0),
      flag,
      remark: request.remark,
      extFields: request.extFields,
      body: request.body,
      serializeType: config.serializeType
    }),
    frameOf: (command, address) => {
      const frame = encodeFrameParts(command)
      return frame.length > config.maxFrameLength
        ? Effect.fail(
          new ProtocolError({
            reason:
              `request ${command.code} to ${address} is a frame of ${frame.length} bytes, over the maximum of ${config.maxFrameLength}`,
            offset: 0
          })
        )
        : Effect.succeed(frame)
    },
    maxFrameLength: config.maxFrameLength
  }
}
