/**
 * The shared VideoMAE reference fixtures (../shared/fixtures/videomae, made with Hugging Face's own code):
 * finds them and reads their inputs and expectations, for the Node tests and the CLI's own checks.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TensorSummary } from './tensor-summary.ts';

export const FIXTURES_ROOT = resolve(
  fileURLToPath(new URL('../../../shared/fixtures/videomae/', import.meta.url)),
);

export interface FixtureMeta {
  fixture: string;
  model_class: string;
  input_shape: [number, number, number, number, number];
  labels?: number[];
  soft_labels?: number[][];
  num_labels?: number;
  seq_len: number;
  mask_shape?: [number, number];
}

export interface TrainingExpectation {
  loss: number;
  grad_l2: Record<string, number>;
  param_l2_before: Record<string, number>;
  param_l2_after_adam_step: Record<string, number>;
  param_delta_l2_after_adam_step: Record<string, number>;
  logits_after_adam_step: number[][];
  loss_after_adam_step: number;
}

export interface ClassifierExpected {
  logits: number[][];
  logits_float64: number[][];
  classifier_input: { values: number[][] };
  patch_embeddings_before_pos: TensorSummary;
  position_embeddings: TensorSummary;
  last_hidden_state: TensorSummary;
  hidden_states: (TensorSummary & { index: number })[];
  loss: { int_labels_hf_cross_entropy: number; soft_labels_cross_entropy: number };
  training: { params_checked: string[]; int_labels: TrainingExpectation; soft_labels: TrainingExpectation };
}

export interface Fixture<E = unknown> {
  /** Path relative to the fixtures root, e.g. `tiny_cls_meanpool`. */
  name: string;
  dir: string;
  meta: FixtureMeta;
  expected: E;
  input: Float32Array;
}

function walk(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...walk(path));
    else if (entry === 'meta.json') found.push(dir);
  }
  return found;
}

export function readFloat32(path: string): Float32Array {
  const bytes = readFileSync(path);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function load<E>(dir: string): Fixture<E> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as FixtureMeta;
  return {
    name: relative(FIXTURES_ROOT, dir),
    dir,
    meta,
    expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as E,
    input: readFloat32(join(dir, 'input.bin')),
  };
}

/** Every fixture of a model class that has inputs and expectations, in name order. */
export function fixturesOf<E>(modelClass: string): Fixture<E>[] {
  if (!existsSync(FIXTURES_ROOT)) throw new Error(`VideoMAE fixtures not found at ${FIXTURES_ROOT}`);
  return walk(FIXTURES_ROOT)
    .filter((dir) => existsSync(join(dir, 'expected.json')) && existsSync(join(dir, 'input.bin')))
    .map((dir) => load<E>(dir))
    .filter((f) => f.meta.model_class === modelClass)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function classifierFixtures(): Fixture<ClassifierExpected>[] {
  return fixturesOf<ClassifierExpected>('VideoMAEForVideoClassification');
}

export interface PretrainExpected {
  pretraining_forward: {
    loss_mse_norm_pix: number;
    logits: TensorSummary;
    logits_full: number[][][];
    target_patches: TensorSummary;
    encoder_visible_last_hidden_state: TensorSummary;
    grad_l2_pretraining_loss: Record<string, number>;
  };
  encoder_all_patches_last_hidden_state: TensorSummary;
  checkpoint_keys: { encoder_keys_prefix_videomae: string[]; pretraining_only_keys: string[] };
  load_into_VideoMAEForVideoClassification: PretrainClassifierLoad;
  load_into_VideoMAEForVideoClassification_mean_pooling: PretrainClassifierLoad;
}

export interface PretrainClassifierLoad {
  loading_info: { missing_keys: string[]; unexpected_keys: string[]; mismatched_keys: string[] };
  videomae_last_hidden_state: TensorSummary;
  classifier_input: { values: number[][] };
}

export function readUint8(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function pretrainFixtures(): Fixture<PretrainExpected>[] {
  return fixturesOf<PretrainExpected>('VideoMAEForPreTraining');
}
