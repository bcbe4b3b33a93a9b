import * as Data from "effect/Data"
import { requestCodeName } from "../protocol/RequestCode.js"
import { responseCodeName } from "../protocol/ResponseCode.js"

/**
 * A broker or name server answered a request with an error code (Java: `MQBrokerException`, `MQClientException`
 * with a response code): the code and remark as sent, the request and the address.
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokerResponseError extends Data.TaggedError("BrokerResponseError")<{
  readonly address: string
  readonly requestCode: number
  readonly responseCode: number
  readonly remark: string | undefined
}> {
  override get message(): string {
    const request = requestCodeName(this.requestCode) ?? String(this.requestCode)
    const response = responseCodeName(this.responseCode) ?? String(this.responseCode)
    return `${request} to ${this.address} answered ${response} (${this.responseCode})${
      this.remark ? `: ${this.remark}` : ""
    }`
  }
}
