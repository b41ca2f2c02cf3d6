/** What commands print on stdout: lines for scripts, indented JSON for people and jq. */
export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}
