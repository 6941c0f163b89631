/**
 * What to mix in a batch, decided before any tensor is touched: timm's `Mixup` parameters (mixup_alpha,
 * cutmix_alpha, prob, switch_prob, mode 'batch' | 'elem', correct_lam) drawn from a seeded Rng.
 *
 * Pairing is timm's flip: clip i mixes with clip B - 1 - i. In an odd batch the middle clip pairs with
 * itself; mixing a clip with itself changes neither its pixels nor its target, so it is reported as
 * unmixed (kind 'none', lambda 1, `selfPaired`) rather than with a lambda that did nothing.
 *
 * Draw order per unit (the batch in 'batch' mode, each clip in 'elem' mode), fixed so a run replays:
 * apply? (one uniform), then CutMix-or-Mixup when both are on (one uniform), then lambda (Beta), then the
 * box (one integer per cut axis). Nothing is drawn when both alphas are 0.
 */
import type { Rng } from '../util/rng.ts';
import {
  CutMixConfigError,
  sampleCutBox,
  validateDims,
  type ClipDims,
  type CutBox,
  type CutMixMode,
  type TokenGrid,
} from './cutmix-boxes.ts';

export interface MixConfig {
  /** Mixup's Beta(alpha, alpha); 0 turns Mixup off. */
  mixupAlpha: number;
  /** CutMix's Beta(alpha, alpha); 0 turns CutMix off. */
  cutmixAlpha: number;
  /** Probability of mixing a batch (or clip, in 'elem' mode). */
  prob: number;
  /** With both on: probability of CutMix rather than Mixup. */
  switchProb: number;
  /** 'batch': one lambda and box for the batch (timm's default); 'elem': one per clip. */
  mode: 'batch' | 'elem';
  cutmixMode: CutMixMode;
  /** Snap CutMix boxes to the patch / tubelet grid. */
  snapToGrid: boolean;
  grid: TokenGrid;
  /** Correct lambda to the box's exact volume (timm's correct_lam, on by default there). */
  correctLam: boolean;
}

export type MixKind = 'none' | 'mixup' | 'cutmix';

export interface SampleMix {
  index: number;
  pairedIndex: number;
  kind: MixKind;
  /** Weight of the clip's own label (and, for Mixup, of its own pixels). */
  lam: number;
  /** The region taken from the paired clip (CutMix only). */
  box: CutBox | null;
  /** The middle clip of an odd batch, paired with itself and so left as it was. */
  selfPaired: boolean;
}

export interface MixPlan {
  dims: ClipDims;
  samples: SampleMix[];
}

export function mixEnabled(config: MixConfig): boolean {
  return config.mixupAlpha > 0 || config.cutmixAlpha > 0;
}

export function validateMixConfig(config: MixConfig): void {
  const probabilities = { prob: config.prob, switchProb: config.switchProb };
  for (const [name, value] of Object.entries(probabilities)) {
    if (!(value >= 0 && value <= 1)) throw new CutMixConfigError(`${name} must be in [0, 1], got ${value}`);
  }
  for (const [name, value] of Object.entries({
    mixupAlpha: config.mixupAlpha,
    cutmixAlpha: config.cutmixAlpha,
  })) {
    if (!(value >= 0) || !Number.isFinite(value))
      throw new CutMixConfigError(`${name} must be >= 0, got ${value}`);
  }
}

interface UnitDraw {
  kind: MixKind;
  lam: number;
  box: CutBox | null;
}

/** timm's `_params_per_batch` for one unit, plus the box when it is CutMix. */
function drawUnit(rng: Rng, config: MixConfig, dims: ClipDims): UnitDraw {
  const none: UnitDraw = { kind: 'none', lam: 1, box: null };
  if (!mixEnabled(config) || !(rng.next() < config.prob)) return none;
  const useCutmix =
    config.mixupAlpha > 0 && config.cutmixAlpha > 0 ? rng.next() < config.switchProb : config.cutmixAlpha > 0;
  const alpha = useCutmix ? config.cutmixAlpha : config.mixupAlpha;
  const drawn = rng.beta(alpha, alpha);
  if (drawn === 1) return none; // timm: `if lam == 1.: return 1.` (nothing to mix)
  if (!useCutmix) return { kind: 'mixup', lam: drawn, box: null };
  const { box, lam } = sampleCutBox(
    rng,
    drawn,
    dims,
    config.cutmixMode,
    config.snapToGrid ? config.grid : undefined,
  );
  return { kind: 'cutmix', lam: config.correctLam ? lam : drawn, box };
}

export function planMix(rng: Rng, config: MixConfig, batchSize: number, dims: ClipDims): MixPlan {
  validateMixConfig(config);
  validateDims(dims, config.grid);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new CutMixConfigError(`batch size must be >= 1, got ${batchSize}`);
  }
  const shared = config.mode === 'batch' ? drawUnit(rng, config, dims) : null;
  const samples: SampleMix[] = [];
  for (let index = 0; index < batchSize; index++) {
    const pairedIndex = batchSize - 1 - index;
    const selfPaired = pairedIndex === index;
    // The middle clip of an odd batch draws too and discards it: the draws depend on the batch size only.
    const unit = shared ?? drawUnit(rng, config, dims);
    samples.push(
      selfPaired
        ? { index, pairedIndex, kind: 'none', lam: 1, box: null, selfPaired }
        : { index, pairedIndex, ...unit, selfPaired },
    );
  }
  return { dims, samples };
}

/** The label a mixed clip mostly shows (its own at lambda >= 0.5): accuracy on mixed batches uses it. */
export function dominantIndex(sample: SampleMix): number {
  return sample.lam >= 0.5 ? sample.index : sample.pairedIndex;
}
