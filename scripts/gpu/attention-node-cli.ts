/**
 * Entry point of the attention bundle scripts/gpu/pack.sh builds: `node attention-node.mjs --shapes full`
 * runs bench/attention-node.ts and prints its JSON on stdout, on a machine with neither npm nor tsx.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from '../../bench/lib/args.ts';
import { run } from '../../bench/attention-node.ts';

const result = await run(parseArgs(process.argv.slice(2)));
writeSync(1, `${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
