/**
 * The RocketMQ remoting protocol as pure functions: frames, headers, bodies, message records, ids and codes.
 * Bytes in, values out; no services and no I/O.
 *
 * @since 0.1.0
 */
export * from "./bodies/AdminBodies.js"
export * from "./bodies/AssignmentBodies.js"
export * from "./bodies/Body.js"
export * from "./bodies/ConsumerGroupBodies.js"
export * from "./bodies/ConsumerRunningInfo.js"
export * from "./bodies/GetConsumerStatusBody.js"
export * from "./bodies/HeartbeatData.js"
export * from "./bodies/OffsetTableBody.js"
export * from "./bodies/TopicRouteData.js"
export * from "./Compression.js"
export * from "./ExtraInfo.js"
export * from "./FastJson.js"
export * from "./FrameInspection.js"
export * from "./FrameSplitter.js"
export * from "./headers/AdminHeaders.js"
export * from "./headers/ClientHeaders.js"
export * from "./headers/CommandHeader.js"
export * from "./headers/ConsumeHeaders.js"
export * from "./headers/PopHeaders.js"
export * from "./headers/SendHeaders.js"
export * from "./headers/TransactionHeaders.js"
export { formatHostAddress, type HostAddress, ipToBytes, ipToString, parseHostAddress } from "./HostAddress.js"
export * from "./LanguageCode.js"
export * from "./MessageBatch.js"
export * from "./MessageConst.js"
export * from "./MessageDecoder.js"
export {
  createOffsetMessageId,
  decodeOffsetMessageId,
  UniqueIdGenerator,
  uniqueIdHost,
  uniqueIdTimestamp
} from "./MessageId.js"
export * from "./MessageProperties.js"
export * from "./MessageQueue.js"
export * from "./MessageSysFlag.js"
export * from "./ProtocolError.js"
export {
  decodeCommand,
  decodeFrame,
  DEFAULT_MAX_FRAME_LENGTH,
  encodeCommand,
  encodeFrameHead,
  encodeFrameParts,
  Flag,
  type FrameParts,
  isOneway,
  isResponse,
  type RemotingCommand,
  request,
  response,
  type SerializeType,
  UNCOPIED_BODY_MIN
} from "./RemotingCommand.js"
export * from "./RequestCode.js"
export * from "./ResponseCode.js"
export * from "./StaticTopic.js"
export * from "./TraceData.js"
export * from "./Version.js"
