/**
 * Entry point of the bundle scripts/gpu/pack.sh builds: `node train-node.mjs --preset small ...` runs
 * bench/train-node.ts (the flags of `npm run bench -- train-node`) and prints its JSON on stdout, on a
 * machine that has neither npm nor tsx.
 */
import { writeSync } from 'node:fs';
import { parseArgs } from '../../bench/lib/args.ts';
import { run } from '../../bench/train-node.ts';

const result = await run(parseArgs(process.argv.slice(2)));
// Written synchronously: the exit below would cut off a console.log still queued for a pipe.
writeSync(1, `${JSON.stringify(result, null, 2)}\n`);
// Not left to the event loop: Dawn's device can hold the process open after the work is done.
process.exit(0);
