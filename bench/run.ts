/**
 * `npm run bench -- <name> [--flag value ...]`: runs `bench/<name>.ts`'s `run(args)` and prints its result
 * as JSON on stdout (progress goes to stderr). Benchmarks measure ours against a native or peer baseline
 * in the same run and report ratios: absolute times on shared machines mean little.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type { BenchArgs } from './lib/args.ts';
import { parseArgs, type BenchArgs } from './lib/args.ts';

export interface Bench {
  run(args: BenchArgs): Promise<unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'browser.ts'].includes(f) && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));

const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name) || !existsSync(join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <name> [--flag value]\navailable: ${available.join(', ')}`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as Bench;
const result = await bench.run(parseArgs(rest));
console.log(JSON.stringify(result, null, 2));
