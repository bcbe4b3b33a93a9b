/**
 * effect-rocketmq: an Apache RocketMQ client for TypeScript, built on Effect.
 *
 * `Protocol` is the wire codec (frames, headers, bodies, message records). `Producer`, `PushConsumer` and
 * `LitePullConsumer` (layers `ProducerLive`, `PushConsumerLive`, `LitePullConsumerLive`) send and consume on the client built by `ClientLive`. The transport is the `RemotingClient`
 * service with its layer `RemotingClientLive`, the handler registry for requests brokers send, RPC hooks (ACL) and
 * the name-server address list. The embedded cluster (an in-process RocketMQ name server and brokers on the real
 * protocol, for tests and local runs) is `effect-rocketmq/embedded`; fault simulations are
 * `effect-rocketmq/simulation`: entries of their own, so that a program that does not use them does not load them.
 *
 * @since 0.1.0
 */
export * as Protocol from "./protocol/index.js"

// The public names, each chosen (test/package/PublicApi.test.ts lists them: a new one is a decision). Everything else
// is internal: the package's `exports` map reaches only its entries.

// The client: settings, the layer that builds it, the instance and its errors.
export * as ClientLive from "./layers/ClientLive.js"
export { type AclCredentials, aclRpcHook } from "./services/AclCredentials.js"
export { BrokerResponseError } from "./services/BrokerResponseError.js"
export { type ClientConfig, clientId } from "./services/ClientConfig.js"
export { type ClientEnvironmentVariable, clientEnvironmentVariables } from "./services/ClientEnvironment.js"
export {
  ClientInstance,
  type ClientInstanceService,
  ClientStartError,
  type ClientSubsystem
} from "./services/ClientInstance.js"
export { ClientConfigError, clientDefaults, type ClientSettings, type TlsSettings } from "./services/ClientSettings.js"
export { DuplicateGroupError } from "./services/GroupTable.js"

// Messages and the producer.
export * as ProducerLive from "./layers/ProducerLive.js"
export {
  checkMessage,
  type Message,
  messageProperties,
  MessageValidationError,
  NOT_ALLOWED_SEND_TOPICS
} from "./services/Message.js"
export {
  type LocalTransactionState,
  NoRouteError,
  Producer,
  type ProducerService,
  type QueueSelector,
  QueueSelectors,
  type RequestError,
  type RequestOptions,
  type SendError,
  type SendOptions,
  type SendResult,
  type SendStatus,
  type TransactionChecker,
  type TransactionSendResult,
  type TypedSendOptions
} from "./services/Producer.js"

// Typed topics: a topic tied to a Schema, encoded by the producer's send, decoded by typed subscriptions.
export * as Topic from "./services/Topic.js"
// Typed request-reply: a request encoded by its topic's schema, its reply decoded by the reply topic's.
export * as TypedRequest from "./services/TypedRequest.js"

// Request-reply: the replying side's helper, and the requesting side's errors and pending-request table.
export { Reply, ReplyMessageError } from "./services/Reply.js"
export {
  RequestClosedError,
  RequestFutures,
  type RequestFuturesService,
  RequestTimeoutError
} from "./services/RequestFutures.js"

// The push consumer.
export {
  type AllocateMessageQueueStrategy,
  averagely,
  averagelyByCircle,
  byConfig,
  byMachineRoom,
  consistentHash
} from "./services/AllocateMessageQueue.js"
export { OffsetStoreError } from "./services/OffsetStore.js"
export {
  BrokerNotFoundError,
  type ConsumeContext,
  type ConsumeResult,
  type MessageHandler,
  type PushConsumerOptions,
  type PushConsumerService,
  type QueueState,
  type Subscription,
  type TypedPushConsumerOptions
} from "./services/PushConsumer.js"
// The tag with `stream`, which its layer builds.
export * as PushConsumerLive from "./layers/PushConsumerLive.js"
export { PushConsumer, type TypedStreamOptions } from "./layers/PushConsumerStream.js"

// Administration: topics, clusters, consumer groups and their progress, offsets, messages (Java's mqadmin API).
export * as AdminLive from "./layers/AdminLive.js"
export {
  Admin,
  type AdminError,
  AdminNotFoundError,
  type AdminService,
  type AdminTarget,
  AdminValidationError,
  type BrokerAddress,
  type ClusterBroker,
  type ConsumeProgress,
  type GroupSettings,
  type MessageQuery,
  type QueueProgress,
  type ResetOffsetRequest,
  type ResetOffsetResult,
  type ResetQueueOffset,
  type TopicQueueStats,
  type TopicSettings
} from "./services/Admin.js"

// The lite pull consumer.
export {
  LitePullArgumentError,
  type LitePullCallError,
  litePullConsumerDefaults,
  type LitePullConsumerOptions,
  type LitePullConsumerService,
  type PolledBatch,
  QueueNotAssignedError,
  SeekOffsetError,
  SubscriptionConflictError
} from "./services/LitePullConsumer.js"
// The tag with `stream`, which its layer builds.
export * as LitePullConsumerLive from "./layers/LitePullConsumerLive.js"
export { LitePullConsumer, type LitePullConsumerStreamOptions } from "./layers/LitePullConsumerStream.js"
export {
  type TypedLitePullStreamOptions,
  typedPollBatch,
  type TypedPolledBatch,
  type TypedPollError,
  type TypedPollOptions
} from "./layers/LitePullConsumerTyped.js"

// The transport, for requests of one's own (admin, debugging): name servers, RPC hooks, the broker's requests.
export * as RemotingClientLive from "./layers/RemotingClientLive.js"
export { RequestHandlersLive } from "./layers/RequestHandlersLive.js"
export { NameServerAddresses, type NameServerAddressesService } from "./services/NameServerAddresses.js"
export {
  type InvokeOptions,
  NoNameServerError,
  RemotingClient,
  type RemotingClientConfig,
  type RemotingClientService,
  RemotingConnectError,
  RemotingConnectionError,
  type RemotingError,
  RemotingTimeoutError,
  type TlsOptions
} from "./services/RemotingClient.js"
export {
  type RequestContext,
  type RequestHandler,
  RequestHandlers,
  type RequestHandlersService
} from "./services/RequestHandlers.js"
export { type RpcHook, RpcHooks } from "./services/RpcHooks.js"
export type { RouteError } from "./services/TopicRouteCache.js"

// Message trace (`enableMsgTrace`): records in RocketMQ's own format in the trace topic (the codec is
// `Protocol.encodeTraceRecord` / `Protocol.decodeTraceData`).
export * as TraceDispatcherLive from "./layers/TraceDispatcherLive.js"
export {
  type MessageTraceOptions,
  TRACE_PRODUCER_GROUP_PREFIX,
  TraceDispatcher,
  traceDispatcherDefaults,
  type TraceDispatcherService
} from "./services/TraceDispatcher.js"
