/**
 * Harness suite: VideoMAE parity with the Hugging Face reference fixtures on the page's tfjs backends, and
 * the Hub loader (Cache Storage, progress) in a real browser. Fixture files come from the local Hub
 * stand-in (scripts/fake-hub.ts), whose URL the test passes in.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { activate } from '../../../src/worker/tf-runtime.ts';
import type { BackendName } from '../../../src/worker/backend.ts';
import {
  clearHubCache,
  fetchHubCheckpoint,
  resolveUrl,
  type HubProgress,
} from '../../../src/model/checkpoint/hub.ts';
import { readCheckpointFiles } from '../../../src/model/checkpoint/files.ts';
import { loadCheckpoint } from '../../../src/model/checkpoint/load.ts';
import { readSafetensors } from '../../../src/model/checkpoint/safetensors.ts';
import type { VideoMAEForVideoClassification } from '../../../src/model/videomae/model.ts';
import { summarize, summaryDifference, type TensorSummary } from '../../../scripts/lib/tensor-summary.ts';

export async function useBackend(backend: BackendName): Promise<string> {
  const error = await activate(backend);
  if (error) throw new Error(error);
  return tf.getBackend();
}

interface Meta {
  input_shape: [number, number, number, number, number];
  labels: number[];
  soft_labels: number[][];
}

interface Training {
  loss: number;
  grad_l2: Record<string, number>;
  logits_after_adam_step: number[][];
}

interface Expected {
  logits: number[][];
  logits_float64: number[][];
  hidden_states: (TensorSummary & { index: number })[];
  loss: { int_labels_hf_cross_entropy: number; soft_labels_cross_entropy: number };
  training: { int_labels: Training; soft_labels: Training };
}

async function fetchBytes(hubUrl: string, repo: string, file: string): Promise<Uint8Array> {
  const response = await fetch(resolveUrl({ repo, hubUrl }, file));
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fetchJson<T>(hubUrl: string, repo: string, file: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await fetchBytes(hubUrl, repo, file))) as T;
}

function maxAbs(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return Number.isNaN(max) ? Infinity : max;
}

function intLabelLoss(logits: tf.Tensor2D, labels: number[]): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
  });
}

function softLabelLoss(logits: tf.Tensor2D, targets: number[][]): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.tensor2d(targets), tf.logSoftmax(logits)), 1))));
}

export interface ParityResult {
  backend: string;
  logitsMaxDiff: number;
  /** 10x the reference's own float32-vs-float64 difference, floor 1e-6. */
  tightLogitsBound: number;
  hiddenStates: number;
  hiddenWorstAbs: number;
  hiddenWorstRel: number;
  intLossDiff: number;
  softLossDiff: number;
  gradWorstRel: number;
  gradsChecked: number;
  adamLogitsDiff: number;
  leakedByForward: number;
  leakedByTrainingStep: number;
}

/** Everything the Node parity tests check, on the active backend, for one classifier fixture repo. */
export async function classifierParity(hubUrl: string, repo: string): Promise<ParityResult> {
  const [configJson, weights, input, meta, expected] = await Promise.all([
    fetchJson<Record<string, unknown>>(hubUrl, repo, 'config.json'),
    fetchBytes(hubUrl, repo, 'model.safetensors'),
    fetchBytes(hubUrl, repo, 'input.bin'),
    fetchJson<Meta>(hubUrl, repo, 'meta.json'),
    fetchJson<Expected>(hubUrl, repo, 'expected.json'),
  ]);
  const load = (): VideoMAEForVideoClassification =>
    loadCheckpoint({
      configJson,
      stateDict: readSafetensors(weights).tensors,
      format: 'safetensors',
      weightFiles: ['model.safetensors'],
      source: repo,
    }).model;
  const values = new Float32Array(input.buffer, input.byteOffset, input.byteLength / 4);
  const x = tf.tensor5d(values, meta.input_shape);

  const model = load();
  const baseline = tf.memory().numTensors;
  const out = model.forward(x, { outputHiddenStates: true });
  const logits = (await out.logits.array()) as number[][];
  let hiddenWorstAbs = 0;
  let hiddenWorstRel = 0;
  for (const reference of expected.hidden_states) {
    const h = out.hiddenStates![reference.index]!;
    const diff = summaryDifference(summarize(await h.data(), h.shape), reference);
    hiddenWorstAbs = Math.max(hiddenWorstAbs, diff.shapeOk ? diff.abs : Infinity);
    hiddenWorstRel = Math.max(hiddenWorstRel, diff.rel);
  }
  const intLoss = intLabelLoss(out.logits, meta.labels);
  const softLoss = softLabelLoss(out.logits, meta.soft_labels);
  const intLossDiff = Math.abs((await intLoss.data())[0]! - expected.loss.int_labels_hf_cross_entropy);
  const softLossDiff = Math.abs((await softLoss.data())[0]! - expected.loss.soft_labels_cross_entropy);
  tf.dispose([out.logits, ...out.hiddenStates!, intLoss, softLoss]);
  const leakedByForward = tf.memory().numTensors - baseline;
  model.dispose();

  let gradWorstRel = 0;
  let gradsChecked = 0;
  let adamLogitsDiff = 0;
  let leakedByTrainingStep = 0;
  for (const kind of ['int_labels', 'soft_labels'] as const) {
    const trained = load();
    const names = new Map([...trained.params].map(([name, v]) => [v.name, name]));
    const optimizer = tf.train.adam(4e-4, 0.9, 0.999, 1e-8);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const { logits: z } = trained.forward(x, { training: true, seed: 1 });
      return kind === 'int_labels' ? intLabelLoss(z, meta.labels) : softLabelLoss(z, meta.soft_labels);
    }, trained.trainableVariables());
    for (const [id, grad] of Object.entries(grads)) {
      const reference = expected.training[kind].grad_l2[names.get(id)!];
      if (reference === undefined) continue;
      const normTensor = tf.norm(grad);
      const norm = (await normTensor.data())[0]!;
      normTensor.dispose();
      gradWorstRel = Math.max(gradWorstRel, Math.abs(norm - reference) / reference);
      gradsChecked++;
    }
    optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose([value, ...Object.values(grads)]);
    // Adam's two moment variables per parameter are the only tensors a step may add.
    leakedByTrainingStep = Math.max(
      leakedByTrainingStep,
      tf.memory().numTensors - before - 2 * trained.params.size,
    );
    const after = trained.forward(x).logits;
    adamLogitsDiff = Math.max(
      adamLogitsDiff,
      maxAbs((await after.array()) as number[][], expected.training[kind].logits_after_adam_step),
    );
    after.dispose();
    optimizer.dispose();
    trained.dispose();
  }
  x.dispose();
  return {
    backend: tf.getBackend(),
    logitsMaxDiff: maxAbs(logits, expected.logits),
    tightLogitsBound: Math.max(1e-6, 10 * maxAbs(expected.logits, expected.logits_float64)),
    hiddenStates: expected.hidden_states.length,
    hiddenWorstAbs,
    hiddenWorstRel,
    intLossDiff,
    softLossDiff,
    gradWorstRel,
    gradsChecked,
    adamLogitsDiff,
    leakedByForward,
    leakedByTrainingStep,
  };
}

export interface HubLoadResult {
  format: string;
  weightFiles: string[];
  progress: HubProgress[];
  logits: number[][];
}

/** Loads a repo through the real Hub loader with the browser's Cache Storage, then runs it on input.bin. */
export async function hubLoad(
  hubUrl: string,
  repo: string,
  options: { clearCache?: boolean } = {},
): Promise<HubLoadResult> {
  if (options.clearCache) await clearHubCache();
  const progress: HubProgress[] = [];
  const checkpoint = await fetchHubCheckpoint({ repo, hubUrl, onProgress: (p) => progress.push({ ...p }) });
  return {
    format: checkpoint.format,
    weightFiles: checkpoint.weightFiles,
    progress,
    logits: await runOnFixtureInput(hubUrl, repo, loadCheckpoint(checkpoint).model),
  };
}

/** Loads config.json + the given weight file as dropped File objects. */
export async function filesLoad(hubUrl: string, repo: string, weightFile: string): Promise<number[][]> {
  const files = await Promise.all(
    ['config.json', weightFile].map(
      async (name) => new File([(await fetchBytes(hubUrl, repo, name)) as Uint8Array<ArrayBuffer>], name),
    ),
  );
  return runOnFixtureInput(hubUrl, repo, loadCheckpoint(await readCheckpointFiles(files)).model);
}

/** Error name and message of a Hub load that is expected to fail. */
export async function hubLoadError(
  hubUrl: string,
  repo: string,
  revision?: string,
): Promise<{ name: string; message: string }> {
  try {
    await fetchHubCheckpoint({ repo, revision, hubUrl, cache: null });
    return { name: 'none', message: 'loaded' };
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

async function runOnFixtureInput(
  hubUrl: string,
  repo: string,
  model: VideoMAEForVideoClassification,
): Promise<number[][]> {
  const meta = await fetchJson<Meta>(hubUrl, repo, 'meta.json');
  const input = await fetchBytes(hubUrl, repo, 'input.bin');
  const x = tf.tensor5d(
    new Float32Array(input.buffer, input.byteOffset, input.byteLength / 4),
    meta.input_shape,
  );
  const { logits } = model.forward(x);
  const rows = (await logits.array()) as number[][];
  tf.dispose([x, logits]);
  model.dispose();
  return rows;
}
