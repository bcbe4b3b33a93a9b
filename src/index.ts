/**
 * effect-rocketmq: an Apache RocketMQ client for TypeScript, built on Effect.
 *
 * `Protocol` is the wire codec (frames, headers, bodies, message records). `Producer` and `PushConsumer` (layers
 * `ProducerLive`, `PushConsumerLive`) send and consume on the client built by `ClientLive`. The transport is the `RemotingClient`
 * service with its layer `RemotingClientLive`, the handler registry for requests brokers send, RPC hooks (ACL) and
 * the name-server address list. The embedded cluster (an in-process RocketMQ name server and brokers on the real
 * protocol, for tests and local runs) is `effect-rocketmq/embedded`; fault simulations are
 * `effect-rocketmq/simulation`: entries of their own, so that a program that does not use them does not load them.
 *
 * @since 0.1.0
 */
export * as Protocol from "./protocol/index.js"

export * from "./services/AclCredentials.js"
export * from "./services/AllocateMessageQueue.js"
export * from "./services/BrokerResponseError.js"
export * from "./services/ClientConfig.js"
export * from "./services/ClientInstance.js"
export * from "./services/Message.js"
export * from "./services/NameServerAddresses.js"
export * from "./services/Namespace.js"
export * from "./services/OffsetStore.js"
export * from "./services/ProcessQueue.js"
export * from "./services/Producer.js"
export * from "./services/PushConsumer.js"
// The tag above with `stream`, which its layer builds (this export shadows the star export's `PushConsumer`).
export { PushConsumer } from "./layers/PushConsumerStream.js"
export * from "./services/RemotingClient.js"
export * from "./services/RequestHandlers.js"
export * from "./services/RpcHooks.js"
export * from "./services/TopicPublishInfo.js"
export * from "./services/TopicRouteCache.js"

export * as ClientInstanceLive from "./layers/ClientInstanceLive.js"
export * as ClientLive from "./layers/ClientLive.js"
export * as NameServerAddressesLive from "./layers/NameServerAddressesLive.js"
export * as ProducerLive from "./layers/ProducerLive.js"
export * as PushConsumerLive from "./layers/PushConsumerLive.js"
export * as RemoteBrokerOffsetStore from "./layers/RemoteBrokerOffsetStore.js"
export * as RemotingMetrics from "./layers/remoting/RemotingMetrics.js"
export * as RemotingClientLive from "./layers/RemotingClientLive.js"
export { RequestHandlersLive } from "./layers/RequestHandlersLive.js"
export * as TopicRouteCacheLive from "./layers/TopicRouteCacheLive.js"
