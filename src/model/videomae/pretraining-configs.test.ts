/**
 * Checks VideoMAEForPreTraining against reference folders made by Hugging Face's real model with
 * testdata/make_pretrain_reference.py (one folder per config, in testdata/pretrain_configs/), and against the
 * shared tiny_pretrain fixture through the same code. The script's layout is also exercised here on a copy of
 * tiny_pretrain rewritten into it, so the check is tested before the script's output arrives.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointDir } from '../../../scripts/lib/checkpoint-dir.ts';
import { summarize, summaryDifference, type TensorSummary } from '../../../scripts/lib/tensor-summary.ts';
import {
  pretrainFixtures,
  readFloat32,
  readUint8,
  type PretrainExpected,
} from '../../../scripts/lib/videomae-fixtures.ts';
import { loadPretrainingCheckpoint } from '../checkpoint/pretraining.ts';

const CONFIGS_ROOT = fileURLToPath(new URL('./testdata/pretrain_configs/', import.meta.url));

/** expected.json as make_pretrain_reference.py writes it. */
interface ScriptExpected {
  loss: number;
  logits: TensorSummary;
  logits_strided: { stride: number; values: number[] };
  grad_l2: Record<string, number | null>;
  parameter_names?: string[];
  state_dict_keys?: string[];
}

interface Reference {
  dir: string;
  inputShape: [number, number, number, number, number];
  loss: number;
  logits: TensorSummary;
  /** Expected logit values at flat indices. */
  logitValues: { index: number; value: number }[];
  gradL2: Record<string, number | null>;
  /** When the reference lists every parameter: our parameters must be exactly these. */
  parameterNames: string[] | null;
  /** Checkpoint keys that are not parameters (buffers), which the loader may report as unexpected. */
  bufferKeys: string[];
}

function readReference(dir: string): Reference {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    input_shape: Reference['inputShape'];
  };
  const raw = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Partial<ScriptExpected> &
    Partial<PretrainExpected>;
  if (raw.pretraining_forward) {
    const f = raw.pretraining_forward;
    return {
      dir,
      inputShape: meta.input_shape,
      loss: f.loss_mse_norm_pix,
      logits: f.logits,
      logitValues: f.logits_full.flat(2).map((value, index) => ({ index, value })),
      gradL2: f.grad_l2_pretraining_loss,
      parameterNames: null,
      bufferKeys: [],
    };
  }
  if (raw.loss === undefined || !raw.logits || !raw.logits_strided || !raw.grad_l2)
    throw new Error(`${join(dir, 'expected.json')}: neither the shared fixture's layout nor the script's`);
  const { stride, values } = raw.logits_strided;
  const names = raw.parameter_names ?? null;
  return {
    dir,
    inputShape: meta.input_shape,
    loss: raw.loss,
    logits: raw.logits,
    logitValues: values.map((value, i) => ({ index: i * stride, value })),
    gradL2: raw.grad_l2,
    parameterNames: names,
    bufferKeys: (raw.state_dict_keys ?? []).filter((k) => !(names ?? []).includes(k)),
  };
}

/** Loads, runs and differentiates the model of a reference folder; every check in one place. */
async function checkReference(ref: Reference): Promise<void> {
  const { model, report } = loadPretrainingCheckpoint(await readCheckpointDir(ref.dir));
  expect(report.missingKeys, `${ref.dir}: missing keys`).toEqual([]);
  expect(
    report.unexpectedKeys.filter((k) => !ref.bufferKeys.includes(k)),
    `${ref.dir}: unexpected keys`,
  ).toEqual([]);
  if (ref.parameterNames) expect([...model.params.keys()].sort()).toEqual([...ref.parameterNames].sort());
  const x = tf.tensor5d(readFloat32(join(ref.dir, 'input.bin')), ref.inputShape);
  const mask = readUint8(join(ref.dir, 'mask.bin'));
  const names = [...model.params.keys()];
  let logitData: Float32Array | null = null;
  let logitShape: number[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(x, mask);
    logitShape = out.logits.shape;
    logitData = out.logits.dataSync() as Float32Array;
    return out.loss;
  }, model.trainableVariables());
  const loss = (await value.data())[0]!;
  expect(Math.abs(loss - ref.loss), `${ref.dir}: loss ${loss} vs ${ref.loss}`).toBeLessThan(
    1e-5 * Math.max(1, Math.abs(ref.loss)),
  );
  const diff = summaryDifference(summarize(logitData!, logitShape), ref.logits);
  expect(diff.shapeOk, `${ref.dir}: logits shape ${logitShape} vs ${ref.logits.shape}`).toBe(true);
  expect(diff.abs, `${ref.dir}: logits summary`).toBeLessThan(1e-4);
  expect(diff.rel, `${ref.dir}: logits summary (relative)`).toBeLessThan(1e-5);
  for (const { index, value: expected } of ref.logitValues)
    expect(Math.abs(logitData![index]! - expected), `${ref.dir}: logit ${index}`).toBeLessThan(1e-4);
  const listed = Object.entries(ref.gradL2);
  expect(listed.length).toBeGreaterThan(0);
  for (const [name, expected] of listed) {
    const index = names.indexOf(name);
    expect(index, `${ref.dir}: no parameter ${name}`).toBeGreaterThanOrEqual(0);
    const grad = grads[model.trainableVariables()[index]!.name]!;
    const l2 = Math.hypot(...(await grad.data()));
    if (expected === null) continue; // torch had no gradient (unused parameter): nothing to compare
    expect(Math.abs(l2 - expected), `${ref.dir}: grad_l2 ${name}: ${l2} vs ${expected}`).toBeLessThan(
      2e-4 * expected + 1e-7,
    );
  }
  tf.dispose([x, value, ...Object.values(grads)]);
  model.dispose();
}

const work = mkdtempSync(join(tmpdir(), 'pretrain-configs-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** tiny_pretrain rewritten into the script's layout (what the script would have written for it). */
function sharedFixtureInScriptLayout(): string {
  const fixture = pretrainFixtures().find((f) => f.name === 'tiny_pretrain')!;
  const dir = join(work, 'tiny_pretrain_script_layout');
  mkdirSync(dir, { recursive: true });
  for (const file of ['config.json', 'model.safetensors', 'input.bin', 'mask.bin', 'meta.json'])
    copyFileSync(join(fixture.dir, file), join(dir, file));
  const f = fixture.expected.pretraining_forward;
  const stride = 97;
  const expected: ScriptExpected = {
    loss: f.loss_mse_norm_pix,
    logits: f.logits,
    logits_strided: { stride, values: f.logits_full.flat(2).filter((_, i) => i % stride === 0) },
    grad_l2: f.grad_l2_pretraining_loss,
  };
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));
  return dir;
}

const generated = existsSync(CONFIGS_ROOT)
  ? readdirSync(CONFIGS_ROOT)
      .map((name) => join(CONFIGS_ROOT, name))
      .filter((dir) => existsSync(join(dir, 'expected.json')))
      .sort()
  : [];

for (const backend of ['cpu', 'wasm'])
  describe(`VideoMAEForPreTraining against HF reference configs (${backend})`, () => {
    beforeAll(async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('checks the shared tiny_pretrain fixture through the same code', async () => {
      for (const fixture of pretrainFixtures()) await checkReference(readReference(fixture.dir));
    });

    it("reads the reference script's layout (tiny_pretrain rewritten into it)", async () => {
      const ref = readReference(sharedFixtureInScriptLayout());
      expect(ref.logitValues.length).toBe(Math.ceil((2 * 24 * 384) / 97));
      await checkReference(ref);
      // The check fails on a wrong reference: a loss off by 1e-3 must not pass.
      await expect(checkReference({ ...ref, loss: ref.loss + 1e-3 })).rejects.toThrow(/loss/);
    });

    for (const dir of generated) {
      it(`matches ${dir.slice(CONFIGS_ROOT.length)}: loss, logits and every parameter's gradient norm`, async () => {
        await checkReference(readReference(dir));
      });
    }
  });
