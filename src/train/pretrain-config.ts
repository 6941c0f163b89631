/**
 * VideoMAE's own pretraining (masked-cube reconstruction) as a declarative schema, like a run's settings
 * (run-config.ts): it lives in the URL under a prefix and every value from a link or from the experiment
 * CLI's JSON is checked by the same parser. Defaults are the paper's pretraining recipe (Tong et al. 2022,
 * run_mae_pretraining.py): AdamW with betas 0.9/0.95 and weight decay 0.05, base lr 1.5e-4 scaled by
 * batch / 256, cosine decay after a warmup, tube masking. Plus what the write-up's question needs: which
 * splits to pretrain on, and whether the clips are CutMix-mixed first.
 *
 * Two pretraining slots, so a user can compare two pretrainings (a clean one and a mixed one) as runs A
 * and B: the experiment CLI's `--pretrain` fills slot 1, `--pretrain-b` slot 2.
 */
import { booleanField, enumField, numberField, type ValuesOf } from '../util/schema.ts';

export const PRETRAIN_SLOTS = ['pretraining-1', 'pretraining-2'] as const;
export type PretrainSlot = (typeof PRETRAIN_SLOTS)[number];

export const MASKING_KINDS = ['tube', 'random'] as const;
export type MaskingKind = (typeof MASKING_KINDS)[number];

export const PRETRAIN_CONFIG_SCHEMA = {
  epochs: numberField(20, { min: 0, max: 100_000 }),
  /** Share of the cubes hidden from the encoder (the paper: 75% on UCF101, 90% on Kinetics and SSv2). */
  maskRatio: numberField(0.75, { min: 0.05, max: 0.98 }),
  /** 'tube': the same spatial cubes hidden in every temporal slice; 'random': cubes drawn independently. */
  masking: enumField(MASKING_KINDS, 'tube'),
  batchSize: numberField(8, { min: 1, max: 1024, integer: true }),
  /** The learning rate is baseLr * batchSize / 256 (the paper's rule). */
  baseLr: numberField(1.5e-4, { min: 0, max: 10 }),
  minLr: numberField(1e-5, { min: 0, max: 10 }),
  warmupRatio: numberField(0.05, { min: 0, max: 1 }),
  weightDecay: numberField(0.05, { min: 0, max: 1 }),
  beta1: numberField(0.9, { min: 0, max: 0.999999 }),
  beta2: numberField(0.95, { min: 0, max: 0.999999 }),
  /** Global-norm clipping; 0 is off (the paper's pretraining does not clip). */
  clipNorm: numberField(0, { min: 0 }),
  /** Normalise each target cube per channel (HF's `norm_pix_loss`, on in the paper). */
  normPixLoss: booleanField(true),
  /** Also pretrain on the validation and test clips (labels are never used; off keeps them unseen). */
  includeEvalSplits: booleanField(false),
  /** Pretrain on CutMix-mixed clips instead of clean ones: the write-up's hypothesis, tested. */
  mix: enumField(['none', 'cutmix'], 'none'),
  seed: numberField(7, { min: 0, max: 2 ** 32 - 1, integer: true }),
};

export type PretrainConfig = ValuesOf<typeof PRETRAIN_CONFIG_SCHEMA>;
export type PretrainConfigKey = keyof PretrainConfig;
export const PRETRAIN_CONFIG_KEYS = Object.keys(PRETRAIN_CONFIG_SCHEMA) as PretrainConfigKey[];

/** Where a fine-tuning run's weights come from (a run setting: `a.startFrom=pretraining-1`). */
export const START_FROM = ['model', 'random', ...PRETRAIN_SLOTS] as const;
export type StartFrom = (typeof START_FROM)[number];
