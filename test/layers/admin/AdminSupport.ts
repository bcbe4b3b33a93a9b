// The admin service on an embedded cluster, with a client of its own.
import { Layer } from "effect"
import * as AdminLive from "../../../src/layers/AdminLive.js"
import { clientOn } from "../../support/EmbeddedClient.js"

/** The admin service over a client of its own on the embedded cluster in context. */
export const adminLayer = AdminLive.layer({ timeoutMillis: 3_000 }).pipe(Layer.provideMerge(clientOn()))
