/**
 * Runs a VideoMAE checkpoint on one input in Node with tfjs's pure-JS CPU backend (no native addon) and
 * prints the logits as JSON ([batch][num_labels]) on stdout; everything else goes to stderr.
 *
 *   npm run infer -- --model <dir> --input <input.bin> --shape B,T,C,H,W [--out logits.json]
 *   npm run infer -- --model hub:MCG-NJU/videomae-small-finetuned-kinetics[@rev] [--hub-url URL] ...
 *   npm run infer -- --model <pretraining dir> --input <input.bin> --shape B,T,C,H,W --mask <mask.bin> [--out out.json]
 *
 * <dir> holds config.json and model.safetensors (or its sharded index, or pytorch_model.bin);
 * <input.bin> is float32 little-endian pixel values in HF's [batch, frames, channels, height, width] layout,
 * already normalised. A VideoMAEForPreTraining checkpoint (config.json's architectures) needs --mask: uint8
 * [batch, seq_len], 1 = masked (HF's bool_masked_pos); it prints {"loss": ..., "logits": [batch][masked][cube]}.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fetchHubCheckpoint } from '../src/model/checkpoint/hub.ts';
import { loadCheckpoint, type Checkpoint } from '../src/model/checkpoint/load.ts';
import { isPretrainingConfig, loadPretrainingCheckpoint } from '../src/model/checkpoint/pretraining.ts';
import { sequenceLength } from '../src/model/videomae/config.ts';
import { folderHubCache, readCheckpointDir } from './lib/checkpoint-dir.ts';

// Before the backend starts: keeps tfjs's "install tfjs-node" banner off stdout, which carries the JSON.
tf.env().set('PROD', true);

class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE =
  'usage: npm run infer -- --model <dir | hub:owner/name[@revision]> --input <input.bin> --shape B,T,C,H,W ' +
  '[--mask mask.bin (pretraining checkpoints)] [--out logits.json] [--hub-url https://huggingface.co]';

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (!flag.startsWith('--') || value === undefined || value.startsWith('--'))
      throw new UsageError(`expected "--flag value", got "${[flag, value].filter(Boolean).join(' ')}"`);
    args[flag.slice(2)] = value;
  }
  for (const required of ['model', 'input', 'shape'])
    if (!args[required]) throw new UsageError(`--${required} is required`);
  return args;
}

function parseShape(text: string): [number, number, number, number, number] {
  const dims = text.split(',').map((d) => Number(d.trim()));
  if (dims.length !== 5 || !dims.every((d) => Number.isInteger(d) && d > 0))
    throw new UsageError(`--shape must be five positive integers B,T,C,H,W (got "${text}")`);
  return dims as [number, number, number, number, number];
}

function readInput(path: string, shape: readonly number[]): Float32Array {
  const bytes = readFileSync(path);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * 4) {
    throw new UsageError(
      `${path} has ${bytes.length} bytes; float32 [${shape.join(', ')}] needs ${count * 4}`,
    );
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}

async function readModel(spec: string, hubUrl: string | undefined): Promise<Checkpoint> {
  const hub = /^hub:([^@]+)(?:@(.+))?$/.exec(spec);
  if (!hub) return readCheckpointDir(spec);
  const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  let lastPercent = -1;
  return fetchHubCheckpoint({
    repo: hub[1]!,
    revision: hub[2],
    hubUrl,
    token: process.env.HF_TOKEN,
    cache: folderHubCache(join(cacheRoot, 'videomae-playground', 'hub')),
    onProgress: (p) => {
      const percent = p.totalBytes ? Math.floor((100 * p.loadedBytes) / p.totalBytes) : -1;
      if (p.done || (percent !== lastPercent && percent % 10 === 0)) {
        console.error(
          `${p.file}: ${p.loadedBytes} bytes${p.totalBytes ? ` of ${p.totalBytes}` : ''}${p.fromCache ? ' (cache)' : ''}`,
        );
      }
      lastPercent = p.done ? -1 : percent;
    },
  });
}

async function runPretraining(
  checkpoint: Checkpoint,
  input: Float32Array,
  shape: [number, number, number, number, number],
  maskPath: string | undefined,
  out: string | undefined,
): Promise<void> {
  if (!maskPath) {
    throw new UsageError(
      `${checkpoint.source} is a VideoMAEForPreTraining checkpoint: --mask <mask.bin> (uint8 [batch, seq_len], 1 = masked) is required`,
    );
  }
  const { model, report } = loadPretrainingCheckpoint(checkpoint);
  for (const message of report.messages) console.error(message);
  const seqLen = sequenceLength(model.config);
  const mask = new Uint8Array(readFileSync(maskPath));
  if (mask.length !== shape[0] * seqLen) {
    throw new UsageError(
      `${maskPath} has ${mask.length} bytes; uint8 [${shape[0]}, ${seqLen}] (batch, seq_len) needs ${shape[0] * seqLen}`,
    );
  }
  const x = tf.tensor5d(input, shape);
  const { loss, logits } = model.forward(x, mask);
  const result = { loss: (await loss.data())[0]!, logits: (await logits.array()) as number[][][] };
  tf.dispose([x, loss, logits]);
  model.dispose();
  const json = JSON.stringify(result);
  if (out) writeFileSync(out, `${json}\n`);
  process.stdout.write(`${json}\n`);
  console.error(
    `reconstruction loss ${result.loss} over ${result.logits[0]?.length ?? 0} masked cubes per clip`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const shape = parseShape(args.shape!);
  const input = readInput(args.input!, shape);
  await tf.setBackend('cpu');
  const checkpoint = await readModel(args.model!, args['hub-url']);
  if (isPretrainingConfig(checkpoint.configJson)) {
    await runPretraining(checkpoint, input, shape, args.mask, args.out);
    return;
  }
  if (args.mask)
    throw new UsageError(`--mask is for VideoMAEForPreTraining checkpoints; ${checkpoint.source} is not one`);
  const { model, report } = loadCheckpoint(checkpoint);
  for (const message of report.messages) console.error(message);
  const x = tf.tensor5d(input, shape);
  const { logits } = model.forward(x);
  const rows = (await logits.array()) as number[][];
  tf.dispose([x, logits]);
  model.dispose();
  const json = JSON.stringify(rows);
  if (args.out) writeFileSync(args.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
  rows.forEach((row, b) => {
    const best = row.indexOf(Math.max(...row));
    console.error(
      `sample ${b}: ${model.config.id2label[String(best)] ?? best} (logit ${row[best]!.toFixed(4)})`,
    );
  });
}

main().catch((error: unknown) => {
  const e = error instanceof Error ? error : new Error(String(error));
  console.error(`${e.name}: ${e.message}`);
  if (e instanceof UsageError) console.error(USAGE);
  process.exit(e instanceof UsageError ? 2 : 1);
});
