// What the admin commands share: the admin service on the client the command line configures, `--table`, and
// printing rows as JSON lines or as a table.
import { Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as AdminLive from "../../layers/AdminLive.js"
import * as ClientLive from "../../layers/ClientLive.js"
import { Admin, type AdminService } from "../../services/Admin.js"
import { clientOverrides, namesrvOption } from "../CliOptions.js"

/** `--table`: a table for people instead of JSON lines. */
export const tableOption = Options.boolean("table").pipe(
  Options.withDescription("print a table for people instead of JSON lines")
)

/** `--cluster C`: the cluster whose master brokers an operation goes to. */
export const clusterOption = Options.text("cluster").pipe(
  Options.withDescription("the cluster whose master brokers to use (default: every master broker)"),
  Options.optional
)

/** `--broker host:port`: one broker instead of a cluster. */
export const brokerOption = Options.text("broker").pipe(
  Options.withDescription("one broker's address, host:port, instead of a cluster"),
  Options.optional
)

/** The target of `--cluster` and `--broker`. */
export const targetOf = (cluster: Option.Option<string>, broker: Option.Option<string> = Option.none()) => ({
  cluster: Option.getOrUndefined(cluster),
  brokerAddress: Option.getOrUndefined(broker)
})

/** Runs `work` with the admin service on the client the command line (`--namesrv`, the environment) configures. */
export const withAdmin = <A, E>(namesrv: Option.Option<string>, work: Effect.Effect<A, E, Admin>) =>
  Effect.flatMap(clientOverrides(namesrv), (overrides) =>
    Effect.provide(
      work,
      AdminLive.layer().pipe(
        Layer.provide(ClientLive.layerFromEnv(overrides)),
        Layer.provide(NodeHttpClient.layer)
      )
    ))

/**
 * An admin command: its options plus `--namesrv` and `--table`, run with the admin service on the client they
 * configure.
 */
export const adminCommand = <Name extends string, const Config extends Command.Command.Config, E>(
  name: Name,
  config: Config,
  run: (
    options: Command.Command.ParseConfig<Config> & { readonly table: boolean },
    admin: AdminService
  ) => Effect.Effect<void, E>
) =>
  Command.make(name, { ...config, namesrv: namesrvOption, table: tableOption }, (parsed) => {
    // The parsed options hold the command's own, `namesrv` and `table` (TypeScript cannot see through the spread).
    const options = parsed as unknown as Parameters<typeof run>[0] & { readonly namesrv: Option.Option<string> }
    return withAdmin(options.namesrv, Effect.flatMap(Admin, (admin) => run(options, admin)))
  })

/** A cell of a table: numbers and text as they are, anything else as JSON. */
const cell = (value: unknown): string =>
  value === undefined || value === null
    ? ""
    : typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value)

/** Rows as a table: a header of the columns, each column as wide as its widest cell. */
export const formatTable = <R extends object>(columns: ReadonlyArray<keyof R & string>, rows: ReadonlyArray<R>) => {
  const cells = rows.map((row) => columns.map((c) => cell(row[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)))
  const line = (values: ReadonlyArray<string>) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd()
  return [line(columns), ...cells.map(line)].join("\n")
}

/** Prints rows: one JSON line each, or with `table` one table of `columns`. */
export const printRows = <R extends object>(
  rows: ReadonlyArray<R>,
  table: boolean,
  columns: ReadonlyArray<keyof R & string>
) =>
  table
    ? Console.log(formatTable(columns, rows))
    : Effect.forEach(rows, (row) => Console.log(JSON.stringify(row)), { discard: true })
