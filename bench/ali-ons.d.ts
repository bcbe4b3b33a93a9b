// The parts of ali-ons (a dev dependency, used only by the benchmarks) that the benchmarks drive. It ships no types.
declare module "ali-ons/lib/protocol/command/remoting_command.js" {
  class RemotingCommand {
    static createRequestCommand(code: number, header: Record<string, unknown>): RemotingCommand
    static createResponseCommand(code: number, opaque: number, remark?: string): RemotingCommand
    static decode(packet: Buffer): RemotingCommand
    body: Buffer | null
    extFields: Record<string, unknown>
    encode(): Buffer
    decodeCommandCustomHeader(): Record<string, unknown>
  }
  export = RemotingCommand
}
declare module "ali-ons/lib/message/message_decoder.js" {
  export function decodes(byteBuffer: unknown): Array<unknown>
  export function messageProperties2String(properties: Record<string, string>): string
}
declare module "byte" {
  const ByteBuffer: { wrap(buffer: Buffer): unknown }
  export = ByteBuffer
}
declare module "ali-ons/lib/channel.js" {
  import type RemotingCommand from "ali-ons/lib/protocol/command/remoting_command.js"
  class Channel {
    constructor(address: string, options?: Record<string, unknown>)
    ready(): Promise<void>
    invoke(command: RemotingCommand, timeout: number): Promise<RemotingCommand>
    close(): Promise<void>
  }
  export = Channel
}
declare module "ali-ons" {
  export class Message {
    constructor(topic: string, tags: string, body: string | Buffer)
  }
  export class Producer {
    constructor(options: Record<string, unknown>)
    ready(): Promise<void>
    send(message: Message): Promise<{ sendStatus: string }>
    close(): Promise<void>
  }
}
