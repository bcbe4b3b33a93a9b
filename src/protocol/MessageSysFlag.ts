/**
 * Bits of a message's system flag (Java: `org.apache.rocketmq.common.sysflag.MessageSysFlag`, 4.9.8).
 *
 * @since 0.1.0
 * @category protocol
 */
export const MessageSysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_NOT_TYPE: 0,
  TRANSACTION_PREPARED_TYPE: 0x4,
  TRANSACTION_COMMIT_TYPE: 0x8,
  TRANSACTION_ROLLBACK_TYPE: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
  NEED_UNWRAP: 0x40,
  INNER_BATCH: 0x80,
  COMPRESSION_LZ4_TYPE: 0x100,
  COMPRESSION_ZSTD_TYPE: 0x200,
  COMPRESSION_ZLIB_TYPE: 0x300,
  COMPRESSION_TYPE_COMPARATOR: 0x700
} as const

/**
 * How a compressed body was compressed (Java: `CompressionType`).
 *
 * @since 0.1.0
 * @category protocol
 */
export type CompressionType = "LZ4" | "ZSTD" | "ZLIB"

/**
 * The compression type bits of a sys flag (Java: `MessageSysFlag.getCompressionType` / `CompressionType.findByValue`):
 * 1 LZ4, 2 ZSTD, 3 ZLIB, and 0 (brokers and clients before 4.9.4) also ZLIB. Other values are `undefined`.
 *
 * @since 0.1.0
 * @category protocol
 */
export const compressionType = (sysFlag: number): CompressionType | undefined => {
  switch ((sysFlag & MessageSysFlag.COMPRESSION_TYPE_COMPARATOR) >> 8) {
    case 1:
      return "LZ4"
    case 2:
      return "ZSTD"
    case 0:
    case 3:
      return "ZLIB"
    default:
      return undefined
  }
}

/**
 * The transaction type bits of a sys flag (Java: `MessageSysFlag.getTransactionValue`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const transactionValue = (sysFlag: number): number => sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE

/**
 * A sys flag with its transaction type replaced (Java: `MessageSysFlag.resetTransactionValue`).
 *
 * @since 0.1.0
 * @category protocol
 */
export const resetTransactionValue = (sysFlag: number, type: number): number =>
  (sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | type
