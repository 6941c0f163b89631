/** `--flag value` pairs and bare `--flag`s, as every benchmark takes them. */
export type BenchArgs = Record<string, string | true>;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${flag}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args[flag.slice(2)] = true;
    else {
      args[flag.slice(2)] = next;
      i++;
    }
  }
  return args;
}
