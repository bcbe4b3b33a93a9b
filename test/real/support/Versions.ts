// The RocketMQ versions the real suite runs: the servers and the Java client of each line, as Maven Central serves them.
//
// 4.9: Maven Central (as reached from these machines) has rocketmq-client, -tools, -acl, -remoting and -common at 4.9.8
// but no rocketmq-namesrv or rocketmq-broker 4.9.8 (their newest 4.9.x there is 4.9.7; the protocol did not change
// between them: 4.9.8 fixed store and security issues). So the 4.9 line runs 4.9.7 servers with the 4.9.8 client.
// 5: the newest 5.x whose name server, broker, client and tools are all served (5.5.0).

export interface RocketMQLine {
  readonly line: "4.9" | "5"
  /** rocketmq-namesrv and rocketmq-broker. */
  readonly servers: string
  /** rocketmq-client and rocketmq-tools (mqadmin). */
  readonly client: string
}

export const lines: ReadonlyArray<RocketMQLine> = [
  { line: "4.9", servers: "4.9.7", client: "4.9.8" },
  { line: "5", servers: "5.5.0", client: "5.5.0" }
]

/** One line only when `ROCKETMQ_REAL_LINE` says so (`4.9` or `5`); both by default. */
export const selectedLines = (): ReadonlyArray<RocketMQLine> => {
  const only = process.env.ROCKETMQ_REAL_LINE
  return only ? lines.filter((l) => l.line === only) : lines
}
