/**
 * The pure half of `npm run experiment`: its command line, the page URL it opens (written by the app's own
 * URL encoder, so the page reads exactly the experiment asked for) and the summary of the metrics file the
 * page exports.
 */
import { presetById, PRESET_IDS, type PresetId } from '../../src/train/presets.ts';
import { RUN_CONFIG_SCHEMA, type RunConfig } from '../../src/train/run-config.ts';
import {
  PRETRAIN_CONFIG_SCHEMA,
  type PretrainConfig,
  type PretrainSlot,
} from '../../src/train/pretrain-config.ts';
import { defaultsOf } from '../../src/util/schema.ts';
import { BACKEND_PREFERENCES, type BackendPreference } from '../../src/worker/backend.ts';
import { RUN_IDS, type RunId } from '../../src/worker/training-protocol.ts';
import { median } from '../../src/util/stats.ts';
import type { MetricsFile } from '../../src/store/metrics-file.ts';
import { missedClips } from '../../src/train/run-problems.ts';
import { explainRuns } from '../../src/ui/charts/explain.ts';
import type { EvalPoint } from '../../src/worker/training-protocol.ts';
import {
  INPUT_KEYS,
  MODEL_PRESET_NAMES,
  recipeFor,
  type ModelSource,
} from '../../src/store/model-settings.ts';
import {
  comparisonPartner,
  decodeExperiment,
  defaultExperiment,
  encodeExperiment,
  type RunSettings,
} from '../../src/store/url-state.ts';

export class ExperimentArgsError extends Error {
  override name = 'ExperimentArgsError';
}

export interface ExperimentOptions {
  /** A dataset folder on disk, or null for the app's built-in sample dataset. */
  data: string | null;
  /** The model preset (tiny, small, base), or null with `repo` set. */
  preset: string | null;
  repo: string | null;
  hubUrl: string | null;
  input: string | null;
  backend: BackendPreference;
  a: Record<string, unknown>;
  b: Record<string, unknown> | null;
  /** Pretraining settings for slot 1 (then A and B start from it), and for slot 2 (then B starts from it). */
  pretrain: Record<string, unknown> | null;
  pretrainB: Record<string, unknown> | null;
  out: string;
  timeoutMinutes: number;
}

export const EXPERIMENT_USAGE = `usage: npm run experiment -- [--data <folder or .tar.gz/.tgz/.tar/.zip>]
  [--preset tiny|small|base | --repo <hub repo> [--hub-url <url>]] [--input 8x64]
  [--backend auto|webgpu|wasm|webgl|cpu] [--a '<json>'] [--b '<json>'] [--out <dir>] [--timeout <minutes>]
  [--pretrain '<json>' [--pretrain-b '<json>']]
  --a / --b: run settings on top of a run preset, e.g. '{"preset":"write-up","epochs":3,"cutmix":true}'; without
  a preset, the model's recipe (from-scratch for a preset model, write-up for a checkpoint).
  --pretrain: VideoMAE pretraining settings (e.g. '{"epochs":5,"baseLr":0.05}'), run in slot 1 before A and B,
  which then start from it (startFrom pretraining-1 unless --a / --b say otherwise); --pretrain-b runs slot 2
  too and B starts from that one.
  Without --b, B is A with CutMix flipped. Without --data, the built-in sample dataset is used. With no
  arguments at all it runs the page's default comparison on the sample and prints it.`;

function parseJsonObject(flag: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExperimentArgsError(`${flag} is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ExperimentArgsError(`${flag} must be a JSON object of run settings`);
  return value as Record<string, unknown>;
}

export function parseExperimentArgs(argv: readonly string[]): ExperimentOptions {
  const options: ExperimentOptions = {
    data: null,
    preset: null,
    repo: null,
    hubUrl: null,
    input: null,
    backend: 'auto',
    a: {},
    b: null,
    pretrain: null,
    pretrainB: null,
    out: 'experiment-out',
    timeoutMinutes: 60,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) throw new ExperimentArgsError(`${flag} needs a value`);
    switch (flag) {
      case '--data':
        options.data = value;
        break;
      case '--preset':
        if (!(MODEL_PRESET_NAMES as string[]).includes(value))
          throw new ExperimentArgsError(`--preset ${value}: use one of ${MODEL_PRESET_NAMES.join(', ')}`);
        options.preset = value;
        break;
      case '--repo':
        options.repo = value;
        break;
      case '--hub-url':
        options.hubUrl = value;
        break;
      case '--input':
        if (!INPUT_KEYS.includes(value))
          throw new ExperimentArgsError(`--input ${value}: use one of ${INPUT_KEYS.join(', ')}`);
        options.input = value;
        break;
      case '--backend':
        if (!(BACKEND_PREFERENCES as readonly string[]).includes(value))
          throw new ExperimentArgsError(`--backend ${value}: use one of ${BACKEND_PREFERENCES.join(', ')}`);
        options.backend = value as BackendPreference;
        break;
      case '--a':
        options.a = parseJsonObject('--a', value);
        break;
      case '--b':
        options.b = parseJsonObject('--b', value);
        break;
      case '--pretrain':
        options.pretrain = parseJsonObject('--pretrain', value);
        break;
      case '--pretrain-b':
        options.pretrainB = parseJsonObject('--pretrain-b', value);
        break;
      case '--out':
        options.out = value;
        break;
      case '--timeout':
        options.timeoutMinutes = Number(value);
        if (!(options.timeoutMinutes > 0))
          throw new ExperimentArgsError(`--timeout ${value} is not a positive number`);
        break;
      default:
        throw new ExperimentArgsError(`unknown flag ${flag}\n${EXPERIMENT_USAGE}`);
    }
  }
  if (options.preset && options.repo) throw new ExperimentArgsError('give --preset or --repo, not both');
  if (options.pretrainB && !options.pretrain)
    throw new ExperimentArgsError('--pretrain-b needs --pretrain (slot 1 runs first, A starts from it)');
  return options;
}

/**
 * A run's settings from `{"preset": ..., <run config key>: value}`, checked key by key; without a preset, the
 * model's recipe (`fallback`).
 */
export function runSettingsOf(
  flag: string,
  overrides: Record<string, unknown>,
  fallback: PresetId = 'write-up',
): RunSettings {
  const { preset: presetValue, ...rest } = overrides;
  let preset: PresetId = fallback;
  if (presetValue !== undefined) {
    if (!(PRESET_IDS as unknown[]).includes(presetValue))
      throw new ExperimentArgsError(
        `${flag}: preset ${String(presetValue)} is not one of ${PRESET_IDS.join(', ')}`,
      );
    preset = presetValue as PresetId;
  }
  const config: RunConfig = { ...presetById(preset).config };
  for (const [key, value] of Object.entries(rest)) {
    if (!(key in RUN_CONFIG_SCHEMA))
      throw new ExperimentArgsError(
        `${flag}: "${key}" is not a run setting (have: preset, ${Object.keys(RUN_CONFIG_SCHEMA).join(', ')})`,
      );
    Object.assign(config, { [key]: value });
  }
  return { preset, config };
}

/** A pretraining slot's settings from JSON on top of the paper's recipe, checked key by key. */
export function pretrainSettingsOf(flag: string, overrides: Record<string, unknown>): PretrainConfig {
  const config: PretrainConfig = defaultsOf(PRETRAIN_CONFIG_SCHEMA);
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in PRETRAIN_CONFIG_SCHEMA))
      throw new ExperimentArgsError(
        `${flag}: "${key}" is not a pretraining setting (have: ${Object.keys(PRETRAIN_CONFIG_SCHEMA).join(', ')})`,
      );
    Object.assign(config, { [key]: value });
  }
  return config;
}

/** The pretraining slots the experiment runs, in order. */
export function pretrainSlotsOf(options: ExperimentOptions): PretrainSlot[] {
  if (!options.pretrain) return [];
  return options.pretrainB ? ['pretraining-1', 'pretraining-2'] : ['pretraining-1'];
}

/** The page's query string for the experiment; settings the page would reject are reported here instead. */
export function experimentQuery(options: ExperimentOptions): string {
  const experiment = defaultExperiment();
  const source = options.repo ? 'hub' : ((options.preset as ModelSource | null) ?? experiment.model.model);
  const recipe = recipeFor(source);
  const a = runSettingsOf('--a', options.a, recipe);
  const runs: Record<RunId, RunSettings> = {
    A: a,
    B: options.b ? runSettingsOf('--b', options.b, recipe) : comparisonPartner(a),
  };
  if (options.pretrain) {
    experiment.pretraining['pretraining-1'] = pretrainSettingsOf('--pretrain', options.pretrain);
    if (!('startFrom' in options.a)) runs.A.config.startFrom = 'pretraining-1';
    const bFrom = options.pretrainB ? 'pretraining-2' : 'pretraining-1';
    if (!options.b || !('startFrom' in options.b)) runs.B.config.startFrom = bFrom;
  }
  if (options.pretrainB)
    experiment.pretraining['pretraining-2'] = pretrainSettingsOf('--pretrain-b', options.pretrainB);
  experiment.runs = runs;
  if (options.repo) {
    experiment.model.model = 'hub';
    experiment.model.repo = options.repo;
    if (options.hubUrl) experiment.model.hubUrl = options.hubUrl;
  } else if (options.preset) {
    experiment.model.model = options.preset as typeof experiment.model.model;
  }
  if (options.input) experiment.model.input = options.input;
  const params = new URLSearchParams();
  encodeExperiment(experiment, params);
  params.set('backend', options.backend);
  const decoded = decodeExperiment(params);
  if (decoded.rejected.length > 0)
    throw new ExperimentArgsError(
      `invalid settings: ${decoded.rejected.map((r) => `${r.key}=${r.text}`).join(', ')}`,
    );
  for (const id of RUN_IDS) {
    for (const [key, value] of Object.entries(runs[id].config)) {
      const read = decoded.experiment.runs[id].config[key as keyof RunConfig];
      if (read !== value)
        throw new ExperimentArgsError(`run ${id}: ${key}=${JSON.stringify(value)} is not a valid value`);
    }
  }
  for (const slot of pretrainSlotsOf(options)) {
    for (const [key, value] of Object.entries(experiment.pretraining[slot])) {
      const read = decoded.experiment.pretraining[slot][key as keyof PretrainConfig];
      if (read !== value)
        throw new ExperimentArgsError(`${slot}: ${key}=${JSON.stringify(value)} is not a valid value`);
    }
  }
  return params.toString();
}

/** What the summary says of a pretraining: its settings, status, loss curve (per step) and problems. */
export interface PretrainResult {
  slot: PretrainSlot;
  status: string;
  config: PretrainConfig | null;
  steps: number;
  epochs: number;
  /** Mean reconstruction loss of the first and of the last epoch. */
  firstEpochLoss: number | null;
  lastEpochLoss: number | null;
  loss: { step: number; epoch: number; loss: number; lr: number }[];
  problems: string[];
}

/** Mean loss per whole epoch of a curve ([epoch 1, epoch 2, ...]). */
export function epochLosses(points: readonly { epoch: number; loss: number }[]): number[] {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const p of points) {
    const epoch = Math.ceil(p.epoch - 1e-9);
    const entry = sums.get(epoch) ?? { sum: 0, n: 0 };
    entry.sum += p.loss;
    entry.n += 1;
    sums.set(epoch, entry);
  }
  return [...sums.entries()].sort(([a], [b]) => a - b).map(([, { sum, n }]) => sum / n);
}

/** One evaluation's coverage: clips evaluated of the clips in its split. */
export interface EvaluationCoverage {
  step: number;
  clips: number;
  splitClips: number | null;
}

export interface RunResult {
  id: string;
  /** "finished with problems" when the run finished but its numbers miss clips. */
  status: string | null;
  steps: number;
  epochs: number;
  finalTrainLoss: number | null;
  bestValTop1: number | null;
  finalValTop1: number | null;
  testTop1: number | null;
  /** Median over the run's steps. */
  clipsPerSecond: number | null;
  trainingSeconds: number | null;
  cutmix: boolean | null;
  /** Training clips that could not be read when a step asked for them. */
  lostTrainingClips: number;
  /** Evaluations that covered fewer clips than their split held. */
  incompleteEvaluations: number;
  val: EvaluationCoverage[];
  test: EvaluationCoverage | null;
  /** What makes this run's numbers incomplete, as the page says it; empty when nothing does. */
  problems: string[];
}

/** An accuracy over no clip is NaN in the metrics: the summary says null, never 0 or 100%. */
function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

export function summarizeExperiment(metrics: MetricsFile): RunResult[] {
  return metrics.runs.map((run) => {
    const last = run.steps.at(-1);
    const valTop1 = run.val.map((v) => v.top1);
    const coverage = (p: EvalPoint): EvaluationCoverage => ({
      step: p.step,
      clips: p.clips,
      splitClips: p.splitClips ?? null,
    });
    const evaluations = [...run.val, ...(run.test ? [run.test] : [])];
    return {
      id: run.id,
      status: run.status === 'finished' && run.problems.length > 0 ? 'finished with problems' : run.status,
      steps: run.steps.length,
      epochs: last?.epoch ?? 0,
      finalTrainLoss: last?.loss ?? null,
      bestValTop1: finiteOrNull(Math.max(...valTop1.filter(Number.isFinite))),
      finalValTop1: finiteOrNull(valTop1.at(-1)),
      testTop1: finiteOrNull(run.test?.top1),
      clipsPerSecond: run.steps.length ? median(run.steps.map((s) => s.clipsPerSecond)) : null,
      trainingSeconds: last ? last.elapsedMs / 1000 : null,
      cutmix: run.config?.cutmix ?? null,
      lostTrainingClips: run.steps.reduce((sum, p) => sum + (p.lostClips ?? 0), 0),
      incompleteEvaluations: evaluations.filter((p) => missedClips(p) > 0).length,
      val: run.val.map(coverage),
      test: run.test ? coverage(run.test) : null,
      problems: run.problems,
    };
  });
}

/** What the page's "What this shows" says about the two runs, and its suggestions for B, from the export. */
export function explainMetrics(metrics: MetricsFile): { findings: string[]; tryNext: string[] } | null {
  const [a, b] = [metrics.runs.find((r) => r.id === 'A'), metrics.runs.find((r) => r.id === 'B')];
  if (!a?.config || !b?.config) return null;
  const done = b.status === 'finished' || b.status === 'stopped' || b.status === 'failed';
  const { findings, suggestions } = explainRuns(
    { config: a.config, steps: a.steps, val: a.val },
    { config: b.config, steps: b.steps, val: b.val },
    done,
  );
  return {
    findings: findings.map((f) => f.text),
    tryNext: suggestions.map((s) => `${s.label} (${s.key}=${String(s.value)}): ${s.why}`),
  };
}
