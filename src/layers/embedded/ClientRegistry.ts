import type { ConsumerData, SubscriptionData } from "../../protocol/bodies/HeartbeatData.js"
import { request } from "../../protocol/RemotingCommand.js"
import { RequestCode } from "../../protocol/RequestCode.js"
import type { ServerConnection } from "./RemotingServer.js"

/**
 * One client of a group as the broker knows it from its heartbeats (Java: `ClientChannelInfo`).
 *
 * @since 0.1.0
 * @category embedded
 */
export interface GroupMember {
  readonly clientId: string
  readonly connection: ServerConnection
  /** The client's language and version, from its heartbeat's header (Java: `ClientChannelInfo`). */
  readonly language: string
  readonly version: number
  lastUpdate: number
}

/**
 * What a client's heartbeat says of it besides its groups: its language and version.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface ClientIdentity {
  readonly clientId: string
  readonly language: string
  readonly version: number
}

/**
 * A consumer group as the broker knows it (Java: `ConsumerGroupInfo`): its members, subscriptions and settings.
 *
 * @since 0.1.0
 * @category embedded
 */
export interface ConsumerGroup {
  readonly members: Map<string, GroupMember>
  readonly subscriptions: Map<string, SubscriptionData>
  data: ConsumerData
}

/**
 * Java's limit on a silent client: dropped when no heartbeat came for 120 s (`channelExpiredTimeout`).
 *
 * @since 0.1.0
 * @category embedded
 */
export const CLIENT_EXPIRY_MILLIS = 120_000

/**
 * The broker's producer and consumer groups (Java: `ProducerManager` and `ConsumerManager`): who is in each group,
 * over which connection, with which subscriptions. Members of a consumer group are told with
 * NOTIFY_CONSUMER_IDS_CHANGED whenever the group's membership changes.
 *
 * @since 0.1.0
 * @category embedded
 */
export class ClientRegistry {
  private readonly consumers = new Map<string, ConsumerGroup>()
  private readonly producers = new Map<string, Map<string, GroupMember>>()

  /** Registers a consumer; answers whether the group's membership changed. */
  registerConsumer(data: ConsumerData, client: ClientIdentity, connection: ServerConnection, now: number): boolean {
    const { clientId } = client
    let group = this.consumers.get(data.groupName)
    if (group === undefined) {
      group = { members: new Map(), subscriptions: new Map(), data }
      this.consumers.set(data.groupName, group)
    }
    group.data = data
    const known = group.members.get(clientId)
    const changed = known === undefined || known.connection !== connection
    group.members.set(clientId, { ...client, connection, lastUpdate: now })
    for (const subscription of data.subscriptionDataSet) {
      const current = group.subscriptions.get(subscription.topic)
      if (current === undefined || current.subVersion < subscription.subVersion) {
        group.subscriptions.set(subscription.topic, subscription)
      }
    }
    if (changed) this.notify(data.groupName)
    return changed
  }

  registerProducer(groupName: string, client: ClientIdentity, connection: ServerConnection, now: number): void {
    let group = this.producers.get(groupName)
    if (group === undefined) {
      group = new Map()
      this.producers.set(groupName, group)
    }
    group.set(client.clientId, { ...client, connection, lastUpdate: now })
  }

  unregisterConsumer(groupName: string, clientId: string): void {
    const group = this.consumers.get(groupName)
    if (group !== undefined && group.members.delete(clientId)) {
      if (group.members.size === 0) this.consumers.delete(groupName)
      else this.notify(groupName)
    }
  }

  unregisterProducer(groupName: string, clientId: string): void {
    this.producers.get(groupName)?.delete(clientId)
  }

  /** Drops every member whose connection closed or that has been silent too long. */
  scanNotActive(now: number, isOpen: (connection: ServerConnection) => boolean): void {
    for (const [groupName, group] of this.consumers) {
      let removed = false
      for (const [clientId, member] of group.members) {
        if (!isOpen(member.connection) || now - member.lastUpdate > CLIENT_EXPIRY_MILLIS) {
          group.members.delete(clientId)
          removed = true
        }
      }
      if (group.members.size === 0) this.consumers.delete(groupName)
      else if (removed) this.notify(groupName)
    }
    for (const group of this.producers.values()) {
      for (const [clientId, member] of group) {
        if (!isOpen(member.connection) || now - member.lastUpdate > CLIENT_EXPIRY_MILLIS) group.delete(clientId)
      }
    }
  }

  /** The connections a client id has registered over (all its groups). */
  connectionsOf(clientId: string): ReadonlyArray<ServerConnection> {
    const found = new Set<ServerConnection>()
    for (const group of this.consumers.values()) {
      const member = group.members.get(clientId)
      if (member !== undefined) found.add(member.connection)
    }
    for (const group of this.producers.values()) {
      const member = group.get(clientId)
      if (member !== undefined) found.add(member.connection)
    }
    return [...found]
  }

  /**
   * The open connection a client registered a producer group over, any group (Java: `ProducerManager.findChannel`,
   * the client's inner producer group included): where a reply to its request is pushed.
   */
  producerConnection(clientId: string): ServerConnection | undefined {
    for (const group of this.producers.values()) {
      const member = group.get(clientId)
      if (member !== undefined && member.connection.isOpen()) return member.connection
    }
    return undefined
  }

  consumerIds(groupName: string): ReadonlyArray<string> {
    return [...(this.consumers.get(groupName)?.members.keys() ?? [])]
  }

  consumerGroup(groupName: string): ConsumerGroup | undefined {
    return this.consumers.get(groupName)
  }

  hasConsumerGroup(groupName: string): boolean {
    return this.consumers.has(groupName)
  }

  subscription(groupName: string, topic: string): SubscriptionData | undefined {
    return this.consumers.get(groupName)?.subscriptions.get(topic)
  }

  producersOf(groupName: string): ReadonlyArray<GroupMember> {
    return [...(this.producers.get(groupName)?.values() ?? [])]
  }

  /** Tells every member of a group that its membership changed (Java: `Broker2Client.notifyConsumerIdsChanged`). */
  private notify(groupName: string): void {
    const group = this.consumers.get(groupName)
    if (group === undefined) return
    for (const member of group.members.values()) {
      member.connection.send(
        request(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: groupName }, { oneway: true })
      )
    }
  }
}
