/**
 * effect-rocketmq: an Apache RocketMQ client for TypeScript, built on Effect.
 *
 * `Protocol` is the wire codec (frames, headers, bodies, message records); the client services build on it.
 *
 * @since 0.1.0
 */
export * as Protocol from "./protocol/index.js"
