/**
 * "What this shows": sentences about the two runs on screen, from their own numbers (who leads on
 * validation and by how much, whether a loss still falls, how noisy each curve is, what the mixed batches
 * were), and what to try next as one-click changes to B. Pure, so it is tested in Node and reused by
 * `npm run experiment`.
 */
import {
  diffRunConfigs,
  RUN_CONFIG_LABELS,
  type RunConfig,
  type RunConfigKey,
  type EvalPoint,
  type RunId,
  type StepPoint,
} from '../../store/domain.ts';

export interface RunCurves {
  config: RunConfig;
  steps: readonly StepPoint[];
  val: readonly EvalPoint[];
}

export interface Finding {
  /** Stable name of the finding, for tests and styling. */
  kind: 'setup' | 'leader' | 'trend' | 'noise' | 'mixing' | 'caveat';
  text: string;
  /** For `leader`: who leads and by how many percentage points of best validation accuracy. */
  leader?: RunId | null;
  gapPoints?: number;
}

/** A change to B that the numbers suggest, applied with one click. */
export interface Suggestion {
  id: string;
  label: string;
  why: string;
  key: RunConfigKey;
  value: RunConfig[RunConfigKey];
}

export interface Explanation {
  findings: Finding[];
  suggestions: Suggestion[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const points = (v: number) => `${(v * 100).toFixed(1)} points`;

function finiteTop1(val: readonly EvalPoint[]): EvalPoint[] {
  return val.filter((p) => Number.isFinite(p.top1) && p.clips > 0);
}

/** Least-squares slope of loss against epoch over the last `share` of the steps (null with too few). */
export function lossSlopePerEpoch(steps: readonly StepPoint[], share = 0.3): number | null {
  const finite = steps.filter((p) => Number.isFinite(p.loss));
  const tail = finite.slice(Math.floor(finite.length * (1 - share)));
  if (tail.length < 5) return null;
  const mx = tail.reduce((s, p) => s + p.epoch, 0) / tail.length;
  const my = tail.reduce((s, p) => s + p.loss, 0) / tail.length;
  let sxy = 0;
  let sxx = 0;
  for (const p of tail) {
    sxy += (p.epoch - mx) * (p.loss - my);
    sxx += (p.epoch - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : null;
}

/**
 * How much the training loss jumps from one step to the next: the median absolute change, past the first
 * tenth of the run (where every curve falls fast). Null with too few steps.
 */
export function lossJitter(steps: readonly StepPoint[]): number | null {
  const finite = steps.filter((p) => Number.isFinite(p.loss)).map((p) => p.loss);
  const rest = finite.slice(Math.floor(finite.length / 10));
  if (rest.length < 6) return null;
  const changes = rest.slice(1).map((v, i) => Math.abs(v - rest[i]!));
  changes.sort((a, b) => a - b);
  return changes[Math.floor(changes.length / 2)]!;
}

function meanOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Whether the training loss still falls at the end: a slope over the last 30% of the steps larger than 5%
 * of the recent loss per epoch counts; smaller moves are noise. Null with too few steps.
 */
export function lossTrend(
  steps: readonly StepPoint[],
): { slope: number; trend: 'falling' | 'rising' | 'flat' } | null {
  const slope = lossSlopePerEpoch(steps);
  if (slope === null) return null;
  const mean = Math.max(
    meanOf(
      steps
        .slice(-10)
        .map((p) => p.loss)
        .filter(Number.isFinite),
    ),
    1e-6,
  );
  const trend = slope < -0.05 * mean ? 'falling' : slope > 0.05 * mean ? 'rising' : 'flat';
  return { slope, trend };
}

/** What was mixed: the share of training clips mixed and their mean lambda (own content kept). */
export function mixingOf(run: RunCurves): { mixedShare: number; meanLam: number } | null {
  const mixed = run.steps.filter((p) => (p.mixedClips ?? 0) > 0);
  if (mixed.length === 0) return null;
  const clipsPerStep = run.config.batchSize * run.config.gradAccumulation;
  const total = run.steps.reduce((s, p) => s + Math.max(0, clipsPerStep - (p.lostClips ?? 0)), 0);
  const mixedClips = mixed.reduce((s, p) => s + p.mixedClips!, 0);
  const lam = mixed.reduce((s, p) => s + p.meanLam! * p.mixedClips!, 0) / mixedClips;
  return { mixedShare: total > 0 ? mixedClips / total : 0, meanLam: lam };
}

/** Sentences from the settings alone, before (or beside) any number. */
function setupFindings(a: RunConfig, b: RunConfig): Finding[] {
  const diff = diffRunConfigs(a, b);
  if (diff.length === 0) {
    return [
      {
        kind: 'setup',
        text: 'A and B have the same settings and seed: their curves should lie on top of each other.',
      },
    ];
  }
  const findings: Finding[] = [];
  const keys = diff.map((d) => d.key);
  if (keys.includes('cutmix')) {
    const mixedRun = b.cutmix ? 'B' : 'A';
    findings.push({
      kind: 'setup',
      text:
        `${mixedRun} trains with CutMix: each clip gets a box from another clip and a label mixed by area. ` +
        'Both runs start from the same weights and see the same clips in the same order. ' +
        `${mixedRun}'s training accuracy is scored against each mixed clip's dominant label; validation never ` +
        'mixes, so compare the validation curves.',
    });
  }
  const others = diff.filter((d) => d.key !== 'cutmix').map((d) => RUN_CONFIG_LABELS[d.key].toLowerCase());
  if (others.length > 0) {
    findings.push({
      kind: 'caveat',
      text: `The runs also differ in ${others.join(', ')}, so a gap between the curves is not CutMix's alone.`,
    });
  }
  return findings;
}

function leaderFinding(a: RunCurves, b: RunCurves): Finding | null {
  const va = finiteTop1(a.val);
  const vb = finiteTop1(b.val);
  if (va.length === 0 || vb.length === 0) return null;
  const bestA = Math.max(...va.map((p) => p.top1));
  const bestB = Math.max(...vb.map((p) => p.top1));
  const lastA = va.at(-1)!.top1;
  const lastB = vb.at(-1)!.top1;
  const gap = Math.abs(bestA - bestB);
  const partial = [...va, ...vb].some((p) => p.splitClips !== undefined && p.clips < p.splitClips);
  const caveat = partial ? ' (some evaluations missed clips of the split: see the results table)' : '';
  if (gap < 1e-9) {
    return {
      kind: 'leader',
      leader: null,
      gapPoints: 0,
      text: `A and B are level on validation: best ${pct(bestA)} each (latest ${pct(lastA)} and ${pct(lastB)})${caveat}.`,
    };
  }
  const leader: RunId = bestA > bestB ? 'A' : 'B';
  const [best, other, latest, otherLatest] =
    leader === 'A' ? [bestA, bestB, lastA, lastB] : [bestB, bestA, lastB, lastA];
  return {
    kind: 'leader',
    leader,
    gapPoints: gap * 100,
    text:
      `${leader} leads on validation by ${points(gap)}: best ${pct(best)} against ${pct(other)} ` +
      `(latest ${pct(latest)} against ${pct(otherLatest)})${caveat}.`,
  };
}

function trendFinding(id: RunId, run: RunCurves, done: boolean): Finding | null {
  const slope = lossSlopePerEpoch(run.steps);
  if (slope === null) return null;
  const mean = meanOf(
    run.steps
      .slice(-10)
      .map((p) => p.loss)
      .filter(Number.isFinite),
  );
  const falling = slope < -0.05 * Math.max(mean, 1e-6);
  const rising = slope > 0.05 * Math.max(mean, 1e-6);
  const rate = `${slope >= 0 ? '+' : '−'}${Math.abs(slope).toFixed(2)} per epoch over the last 30% of its steps`;
  const text = falling
    ? `${id}'s training loss is still falling (${rate})${done ? ': more epochs would likely help it' : ''}.`
    : rising
      ? `${id}'s training loss is rising (${rate}): the learning rate may be too high for it.`
      : `${id}'s training loss has levelled off (${rate}).`;
  return { kind: 'trend', text };
}

function noiseFinding(a: RunCurves, b: RunCurves): Finding | null {
  const ja = lossJitter(a.steps);
  const jb = lossJitter(b.steps);
  if (ja === null || jb === null) return null;
  const describe = `median step-to-step change of the training loss: A ${ja.toFixed(3)}, B ${jb.toFixed(3)}`;
  if (ja === 0 || jb === 0)
    return { kind: 'noise', text: `${describe[0]!.toUpperCase()}${describe.slice(1)}.` };
  const ratio = jb / ja;
  if (ratio > 1.25)
    return {
      kind: 'noise',
      text: `B's training curve is ${ratio.toFixed(1)}x as noisy as A's (${describe}).`,
    };
  if (ratio < 0.8)
    return {
      kind: 'noise',
      text: `A's training curve is ${(1 / ratio).toFixed(1)}x as noisy as B's (${describe}).`,
    };
  return { kind: 'noise', text: `A's and B's training curves are about as noisy (${describe}).` };
}

function mixingFinding(id: RunId, run: RunCurves): Finding | null {
  const mixing = mixingOf(run);
  if (!mixing) return null;
  return {
    kind: 'mixing',
    text:
      `${pct(mixing.mixedShare)} of ${id}'s training clips were mixed, keeping on average ` +
      `${pct(mixing.meanLam)} of their own content (mean λ ${mixing.meanLam.toFixed(2)}).`,
  };
}

function suggestionsFor(a: RunCurves, b: RunCurves, done: boolean): Suggestion[] {
  const out: Suggestion[] = [];
  const config = b.config;
  const trend = lossTrend(b.steps);
  const va = finiteTop1(a.val);
  const vb = finiteTop1(b.val);
  const bBehind =
    va.length > 0 && vb.length > 0 && Math.max(...vb.map((p) => p.top1)) < Math.max(...va.map((p) => p.top1));
  if (done && trend?.trend === 'falling' && config.maxSteps === 0) {
    out.push({
      id: 'more-epochs',
      label: `Train B for ${config.epochs * 2} epochs`,
      why: "B's loss was still falling when it stopped.",
      key: 'epochs',
      value: config.epochs * 2,
    });
  }
  if (config.warmupRatio === 0 && config.warmupSteps === 0) {
    out.push({
      id: 'warmup',
      label: 'Warm B up over 10% of its steps',
      why: 'A warmup lets the first updates of mixed batches settle before the full learning rate.',
      key: 'warmupRatio',
      value: 0.1,
    });
  }
  const jitterA = lossJitter(a.steps);
  const jitterB = lossJitter(b.steps);
  if (jitterA !== null && jitterB !== null && jitterB > 1.25 * jitterA) {
    out.push({
      id: 'lower-lr',
      label: `Halve B's learning rate (${config.lr / 2})`,
      why: "B's curve is the noisier one.",
      key: 'lr',
      value: config.lr / 2,
    });
  }
  if (config.cutmix) {
    if (config.mixProb === 1) {
      out.push({
        id: 'mix-half',
        label: 'Mix only half of B’s batches',
        why: bBehind
          ? 'B trails A: fewer mixed batches keep more clean examples.'
          : 'Clean and mixed batches alternate.',
        key: 'mixProb',
        value: 0.5,
      });
    }
    const mode = config.cutmixMode === 'spatial' ? 'temporal' : 'spatial';
    out.push({
      id: `mode-${mode}`,
      label:
        mode === 'temporal'
          ? 'Cut B’s boxes in time instead (temporal mode)'
          : 'Cut B’s boxes in space (spatial mode)',
      why:
        mode === 'temporal'
          ? 'A temporal box pastes a span of frames, so every frame stays one clip: motion is cut, not the scene.'
          : 'A spatial box keeps every frame of both clips, cut by area.',
      key: 'cutmixMode',
      value: mode,
    });
  }
  return out;
}

/** Everything "What this shows" says about runs A and B as they are now. */
export function explainRuns(a: RunCurves, b: RunCurves, done = false): Explanation {
  const findings = setupFindings(a.config, b.config);
  const numeric = [
    leaderFinding(a, b),
    trendFinding('B', b, done),
    trendFinding('A', a, done),
    noiseFinding(a, b),
    mixingFinding('A', a),
    mixingFinding('B', b),
  ].filter((f): f is Finding => f !== null);
  return { findings: [...findings, ...numeric], suggestions: suggestionsFor(a, b, done) };
}
