// Where the bench scripts are, compiled or not.
import { fileURLToPath } from "node:url"

/** The path of a bench script beside this one: compiled (`.js`) when this runs compiled, else its `.ts` source. */
export const benchScript = (name: string) =>
  fileURLToPath(new URL(import.meta.url.endsWith(".js") ? `./${name}.js` : `./${name}.ts`, import.meta.url))

/** The Node options a script needs: tsx for a `.ts` source, none for JavaScript (compiled or bundled). */
export const nodeArgsFor = (script: string): ReadonlyArray<string> => script.endsWith(".ts") ? ["--import", "tsx"] : []

/** Node options for the client processes a bench starts (`BENCH_CLIENT_ARGS`, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`). */
export const clientNodeArgs = (): ReadonlyArray<string> =>
  process.env.BENCH_CLIENT_ARGS?.split(" ").filter((a) => a.length > 0) ?? []
