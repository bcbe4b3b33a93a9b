/**
 * The constructor of property records: objects whose prototype has no prototype, so that no name of
 * `Object.prototype` (`constructor`, `toString`, `__proto__`) is inherited or special, as with `Object.create(null)`,
 * while V8 keeps them in its fast mode with a shape shared by messages whose properties come in the same order
 * (`Object.create(null)` starts in dictionary mode: parsing a message's properties took ~60% longer, measured
 * alone on this machine).
 */
const PropertyRecord = function PropertyRecord() {} as unknown as new() => Record<string, string>
PropertyRecord.prototype = Object.create(null)

/**
 * A new, empty, mutable property record with nothing inherited (see `PropertyRecord`).
 */
export const emptyProperties = (): Record<string, string> => new PropertyRecord()
