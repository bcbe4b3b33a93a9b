// Where the bench scripts are, compiled or not.
import { fileURLToPath } from "node:url"

/** The path of a bench script beside this one: compiled (`.js`) when this runs compiled, else its `.ts` source. */
export const benchScript = (name: string) =>
  fileURLToPath(new URL(import.meta.url.endsWith(".js") ? `./${name}.js` : `./${name}.ts`, import.meta.url))

/** The Node options a script needs: tsx for a `.ts` source, none for JavaScript (compiled or bundled). */
export const nodeArgsFor = (script: string): ReadonlyArray<string> => script.endsWith(".ts") ? ["--import", "tsx"] : []
