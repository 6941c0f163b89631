/**
 * A run's training settings as one declarative schema (src/store/schema.ts), so a run lives in the URL
 * under a prefix (`a.lr=0.0004&b.cutmix=true`) and every value from a link or a JSON override is checked
 * by the same parser. Defaults are the write-up's recipe; presets.ts holds the others.
 *
 * Also the pure derivations the loop needs: steps per epoch, total and warmup steps (HF Trainer's
 * arithmetic), the effective learning rate, and the optimizer and mix settings built from a config.
 */
import { booleanField, enumField, numberField, type Field, type ValuesOf } from '../util/schema.ts';
import type { TokenGrid } from './cutmix-boxes.ts';
import { START_FROM } from './pretrain-config.ts';
import type { MixConfig } from './mix-plan.ts';
import type { OptimizerOptions } from './optimizers.ts';
import { warmupStepsFromRatio } from './schedules.ts';

const probability = { min: 0, max: 1 };

export const RUN_CONFIG_SCHEMA = {
  optimizer: enumField(['adam', 'adamw'], 'adam'),
  lr: numberField(4e-4, { min: 0, max: 10 }),
  /** 'batch/256': the VideoMAE / BEiT rule, lr * effective batch / 256. */
  lrScaling: enumField(['none', 'batch/256'], 'none'),
  beta1: numberField(0.9, { min: 0, max: 0.999999 }),
  beta2: numberField(0.999, { min: 0, max: 0.999999 }),
  eps: numberField(1e-8, { min: 0, max: 1 }),
  weightDecay: numberField(0, probability),
  schedule: enumField(['linear', 'cosine', 'constant'], 'linear'),
  /** When > 0 it wins over warmupRatio, as in HF TrainingArguments. */
  warmupSteps: numberField(0, { min: 0, integer: true }),
  warmupRatio: numberField(0, probability),
  /** Layer-wise lr decay; 1 is off. */
  layerDecay: numberField(1, { min: 0.01, max: 1 }),
  gradAccumulation: numberField(1, { min: 1, max: 1024, integer: true }),
  /** Global-norm clipping; 0 is off. */
  clipNorm: numberField(0, { min: 0 }),
  labelSmoothing: numberField(0, { min: 0, max: 0.99 }),
  batchSize: numberField(8, { min: 1, max: 1024, integer: true }),
  epochs: numberField(2, { min: 0, max: 10_000 }),
  /** When > 0 it wins over epochs, as in HF TrainingArguments. */
  maxSteps: numberField(0, { min: 0, integer: true }),
  evalEvery: enumField(['epoch', 'steps'], 'epoch'),
  evalSteps: numberField(50, { min: 1, integer: true }),
  dropPath: numberField(0, { min: 0, max: 0.99 }),
  /** hidden_dropout_prob (and the classifier input). */
  dropout: numberField(0, { min: 0, max: 0.99 }),
  attentionDropout: numberField(0, { min: 0, max: 0.99 }),
  cutmix: booleanField(false),
  cutmixMode: enumField(['spatial', 'temporal', 'cube'], 'spatial'),
  cutmixAlpha: numberField(1, { min: 0, max: 100 }),
  /** Probability of mixing a batch (timm's mix prob), for CutMix and Mixup alike. */
  mixProb: numberField(1, probability),
  snapToGrid: booleanField(false),
  /** Mixup's alpha; 0 is off. */
  mixupAlpha: numberField(0, { min: 0, max: 100 }),
  /** With CutMix and Mixup both on: probability of CutMix for a batch. */
  switchProb: numberField(0.5, probability),
  mixMode: enumField(['batch', 'elem'], 'batch'),
  seed: numberField(42, { min: 0, max: 2 ** 32 - 1, integer: true }),
  /** The weights the run starts from: the model panel's, a fresh random init, or a pretraining made here. */
  startFrom: enumField(START_FROM, 'model'),
};

export type RunConfig = ValuesOf<typeof RUN_CONFIG_SCHEMA>;
export type RunConfigKey = keyof RunConfig;

export const RUN_CONFIG_KEYS = Object.keys(RUN_CONFIG_SCHEMA) as RunConfigKey[];

/** Short labels for the settings table and the A/B difference highlight. */
export const RUN_CONFIG_LABELS: Record<RunConfigKey, string> = {
  optimizer: 'Optimizer',
  lr: 'Learning rate',
  lrScaling: 'LR scaling',
  beta1: 'Beta 1',
  beta2: 'Beta 2',
  eps: 'Epsilon',
  weightDecay: 'Weight decay',
  schedule: 'LR schedule',
  warmupSteps: 'Warmup steps',
  warmupRatio: 'Warmup ratio',
  layerDecay: 'Layer decay',
  gradAccumulation: 'Gradient accumulation',
  clipNorm: 'Clip grad norm',
  labelSmoothing: 'Label smoothing',
  batchSize: 'Batch size',
  epochs: 'Epochs',
  maxSteps: 'Max steps',
  evalEvery: 'Evaluate every',
  evalSteps: 'Eval every N steps',
  dropPath: 'Drop path',
  dropout: 'Dropout',
  attentionDropout: 'Attention dropout',
  cutmix: 'CutMix',
  cutmixMode: 'CutMix mode',
  cutmixAlpha: 'CutMix alpha',
  mixProb: 'Mix probability',
  snapToGrid: 'Snap boxes to patches',
  mixupAlpha: 'Mixup alpha',
  switchProb: 'CutMix/Mixup switch prob',
  mixMode: 'Mix per',
  seed: 'Seed',
  startFrom: 'Start from',
};

export class RunConfigError extends Error {
  override name = 'RunConfigError';
}

/**
 * Checks a value against its field by a format/parse round trip: the same rules a URL value meets, for
 * configs built in code or from JSON (the experiment CLI's overrides).
 */
function checkValue(key: RunConfigKey, value: unknown): string | null {
  const field = RUN_CONFIG_SCHEMA[key] as Field<unknown>;
  if (typeof value !== typeof field.default) {
    return `${key}: expected a ${typeof field.default}, got ${JSON.stringify(value)}`;
  }
  const parsed = field.parse(field.format(value));
  return parsed === value ? null : `${key}: ${JSON.stringify(value)} is out of range or not an allowed value`;
}

/** Every problem with a config, each naming the setting; empty when it can run. */
export function validateRunConfig(config: RunConfig): string[] {
  const problems: string[] = [];
  for (const key of RUN_CONFIG_KEYS) {
    const problem = checkValue(key, config[key]);
    if (problem) problems.push(problem);
  }
  if (config.epochs === 0 && config.maxSteps === 0)
    problems.push('epochs and maxSteps are both 0: nothing to train');
  if (config.cutmix && config.cutmixAlpha === 0) problems.push('cutmix is on but cutmixAlpha is 0');
  return problems;
}

/** A config with JSON overrides applied (unknown keys and invalid values are errors naming the key). */
export function applyOverrides(base: RunConfig, overrides: Readonly<Record<string, unknown>>): RunConfig {
  const next: Record<string, unknown> = { ...base };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in RUN_CONFIG_SCHEMA)) {
      problems.push(`unknown setting "${key}" (known: ${RUN_CONFIG_KEYS.join(', ')})`);
      continue;
    }
    const problem = checkValue(key as RunConfigKey, value);
    if (problem) problems.push(problem);
    else next[key] = value;
  }
  if (problems.length > 0) throw new RunConfigError(problems.join('; '));
  return next as RunConfig;
}

export interface ConfigDifference<K extends RunConfigKey = RunConfigKey> {
  key: K;
  label: string;
  a: RunConfig[K];
  b: RunConfig[K];
}

/** The settings where B differs from A, in schema order (what the UI highlights). */
export function diffRunConfigs(a: RunConfig, b: RunConfig): ConfigDifference[] {
  return RUN_CONFIG_KEYS.filter((key) => a[key] !== b[key]).map((key) => ({
    key,
    label: RUN_CONFIG_LABELS[key],
    a: a[key],
    b: b[key],
  }));
}

/** Run B for the comparison: A with CutMix flipped, everything else (seed included) the same. */
export function withCutMixToggled(a: RunConfig): RunConfig {
  return { ...a, cutmix: !a.cutmix };
}

export interface TrainingPlan {
  /** Optimizer updates per epoch: floor(ceil(clips / batch) / accumulation), at least 1 (HF Trainer). */
  stepsPerEpoch: number;
  totalSteps: number;
  warmupSteps: number;
  /** Epochs the data loader runs (fractional epochs round up; maxSteps may end one early). */
  epochs: number;
  /** Clips per optimizer update. */
  effectiveBatch: number;
  /** The base lr after batch scaling (before schedule and layer decay). */
  learningRate: number;
}

export function planTraining(config: RunConfig, trainClips: number): TrainingPlan {
  if (!Number.isInteger(trainClips) || trainClips < 1) {
    throw new RunConfigError(`the training split has ${trainClips} clips; need at least 1`);
  }
  const batchesPerEpoch = Math.ceil(trainClips / config.batchSize);
  const stepsPerEpoch = Math.max(1, Math.floor(batchesPerEpoch / config.gradAccumulation));
  const totalSteps = config.maxSteps > 0 ? config.maxSteps : Math.ceil(config.epochs * stepsPerEpoch);
  const warmupSteps =
    config.warmupSteps > 0 ? config.warmupSteps : warmupStepsFromRatio(config.warmupRatio, totalSteps);
  const effectiveBatch = config.batchSize * config.gradAccumulation;
  return {
    stepsPerEpoch,
    totalSteps,
    warmupSteps,
    epochs: Math.ceil(totalSteps / stepsPerEpoch),
    effectiveBatch,
    learningRate: config.lrScaling === 'batch/256' ? (config.lr * effectiveBatch) / 256 : config.lr,
  };
}

/** Optimizer settings for a run; `numLayers` is the model's num_hidden_layers. */
export function optimizerOptionsOf(
  config: RunConfig,
  plan: TrainingPlan,
  numLayers: number,
): OptimizerOptions {
  return {
    kind: config.optimizer,
    lr: plan.learningRate,
    beta1: config.beta1,
    beta2: config.beta2,
    eps: config.eps,
    weightDecay: config.weightDecay,
    layerDecay: config.layerDecay,
    numLayers,
    schedule: { kind: config.schedule, totalSteps: plan.totalSteps, warmupSteps: plan.warmupSteps },
  };
}

/** CutMix / Mixup settings for a run; `grid` is the model's patch and tubelet size. */
export function mixConfigOf(config: RunConfig, grid: TokenGrid): MixConfig {
  return {
    mixupAlpha: config.mixupAlpha,
    cutmixAlpha: config.cutmix ? config.cutmixAlpha : 0,
    prob: config.mixProb,
    switchProb: config.switchProb,
    mode: config.mixMode,
    cutmixMode: config.cutmixMode,
    snapToGrid: config.snapToGrid,
    grid,
    correctLam: true,
  };
}
