/**
 * `effect-rocketmq/embedded`: an in-process RocketMQ cluster (one name server and brokers) speaking the real remoting
 * protocol on loopback, for tests and local runs. Any RocketMQ client reaches it through its `nameServerAddress`.
 *
 * @since 0.1.0
 */
export type { AclAccount, AclPermission } from "./layers/embedded/AclValidator.js"
export * as EmbeddedClusterLive from "./layers/EmbeddedClusterLive.js"
export * from "./services/EmbeddedCluster.js"
