/** The reverse of a table of named codes: the name of each number. */
export const codeNames = <K extends string>(table: Readonly<Record<K, number>>): (code: number) => K | undefined => {
  const names = new Map<number, K>((Object.keys(table) as Array<K>).map((name) => [table[name], name]))
  return (code) => names.get(code)
}
