/**
 * Metrics on disk: a JSON file that a later session can import to compare with a new run, and a CSV for
 * spreadsheets and pandas. Both hold every point as the engine reported it. JSON has no NaN or Infinity, so
 * non-finite numbers (a diverged step) are written as the strings "NaN", "Infinity", "-Infinity" and read
 * back as numbers.
 */
import {
  RUN_CONFIG_KEYS,
  type RunConfig,
  type EvalPoint,
  type RunStatus,
  type StepPoint,
} from '../worker/index.ts';

export const METRICS_FORMAT = 'videomae-playground-metrics';
export const METRICS_VERSION = 1;

export interface MetricsRun {
  /** 'A' / 'B' for the page's runs; anything for an imported one. */
  id: string;
  config: RunConfig | null;
  status: RunStatus | null;
  /** What makes the run's numbers incomplete (see RunState.problems); empty when nothing does. */
  problems: string[];
  steps: StepPoint[];
  val: EvalPoint[];
  test: EvalPoint | null;
}

export interface MetricsFile {
  format: typeof METRICS_FORMAT;
  version: typeof METRICS_VERSION;
  exportedAt: string;
  model: { description: string; config: Record<string, unknown> | null } | null;
  labels: string[];
  runs: MetricsRun[];
}

export class MetricsFileError extends Error {
  override name = 'MetricsFileError';
}

function nonFiniteAsText(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export function metricsToJson(file: MetricsFile): string {
  return `${JSON.stringify(file, nonFiniteAsText, 1)}\n`;
}

const CSV_COLUMNS = [
  'run',
  'split',
  'step',
  'epoch',
  'elapsed_ms',
  'loss',
  'accuracy',
  'accuracy_target',
  'top1',
  'top5',
  'lr',
  'grad_norm',
  'clips_per_second',
  'clips',
  'split_clips',
  'lost_clips',
] as const;

type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function evalRow(run: string, point: EvalPoint): CsvRow {
  return {
    run,
    split: point.split,
    step: point.step,
    epoch: point.epoch,
    elapsed_ms: point.elapsedMs,
    loss: point.loss,
    top1: point.top1,
    top5: point.top5,
    clips: point.clips,
    split_clips: point.splitClips ?? null,
  };
}

/** One row per training step, validation and test evaluation, in the order they happened per run. */
export function metricsToCsv(runs: readonly MetricsRun[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const run of runs) {
    const rows: CsvRow[] = run.steps.map((p) => ({
      run: run.id,
      split: 'train',
      step: p.step,
      epoch: p.epoch,
      elapsed_ms: p.elapsedMs,
      loss: p.loss,
      accuracy: p.accuracy,
      accuracy_target: p.accuracyTarget,
      lr: p.lr,
      grad_norm: p.gradNorm,
      clips_per_second: p.clipsPerSecond,
      lost_clips: p.lostClips ?? 0,
    }));
    rows.push(...run.val.map((p) => evalRow(run.id, p)));
    if (run.test) rows.push(evalRow(run.id, run.test));
    // Training, then the evaluation made at the end of that step, then the next step.
    const order = (row: CsvRow) => (row.split === 'train' ? 0 : row.split === 'val' ? 1 : 2);
    rows.sort((a, b) => Number(a.step) - Number(b.step) || order(a) - order(b));
    for (const row of rows) lines.push(CSV_COLUMNS.map((column) => csvField(row[column])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

// ---- import ----

function fail(where: string, reason: string): never {
  throw new MetricsFileError(`${where}: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number, or one written as "NaN" / "Infinity" / "-Infinity". */
function readNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
  return fail(where, `expected a number, got ${JSON.stringify(value)}`);
}

function readOptionalNumber(value: unknown, where: string): number | null {
  return value === null || value === undefined ? null : readNumber(value, where);
}

function readRecord(value: unknown, where: string): Record<string, unknown> {
  return isRecord(value) ? value : fail(where, 'expected an object');
}

function readArray(value: unknown, where: string): unknown[] {
  return Array.isArray(value) ? value : fail(where, 'expected a list');
}

function readStep(value: unknown, where: string, runId: string): StepPoint {
  const p = readRecord(value, where);
  const num = (key: string) => readNumber(p[key], `${where}.${key}`);
  return {
    runId: runId as StepPoint['runId'],
    step: num('step'),
    epoch: num('epoch'),
    loss: num('loss'),
    accuracy: num('accuracy'),
    accuracyTarget: p.accuracyTarget === 'dominant-label' ? 'dominant-label' : 'label',
    lr: num('lr'),
    gradNorm: readOptionalNumber(p.gradNorm, `${where}.gradNorm`),
    clipsPerSecond: num('clipsPerSecond'),
    elapsedMs: num('elapsedMs'),
    ...(p.lostClips === undefined ? {} : { lostClips: num('lostClips') }),
    ...(p.mixedClips === undefined ? {} : { mixedClips: num('mixedClips'), meanLam: num('meanLam') }),
  };
}

function readEval(value: unknown, where: string, runId: string): EvalPoint {
  const p = readRecord(value, where);
  const num = (key: string) => readNumber(p[key], `${where}.${key}`);
  const split =
    p.split === 'test' ? 'test' : p.split === 'val' ? 'val' : fail(where, 'split must be val or test');
  const confusion = readArray(p.confusion ?? [], `${where}.confusion`).map((row, i) =>
    readArray(row, `${where}.confusion[${i}]`).map((v, j) => readNumber(v, `${where}.confusion[${i}][${j}]`)),
  );
  return {
    runId: runId as EvalPoint['runId'],
    split,
    step: num('step'),
    epoch: num('epoch'),
    loss: num('loss'),
    top1: num('top1'),
    top5: num('top5'),
    confusion,
    clips: num('clips'),
    ...(p.splitClips === undefined ? {} : { splitClips: num('splitClips') }),
    elapsedMs: num('elapsedMs'),
  };
}

/** Keeps the settings a config names with the right type; a file from another version may lack some. */
function readConfig(value: unknown): RunConfig | null {
  if (!isRecord(value)) return null;
  const known = RUN_CONFIG_KEYS.filter((key) => key in value);
  return known.length === RUN_CONFIG_KEYS.length ? (value as unknown as RunConfig) : null;
}

function sortedByStep<P extends { step: number }>(points: P[]): P[] {
  return points.sort((a, b) => a.step - b.step);
}

/** Parses an exported metrics file; throws MetricsFileError naming the place and the reason. */
export function parseMetricsFile(text: string, fileName = 'metrics file'): MetricsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(fileName, `not JSON (${(error as Error).message})`);
  }
  const root = readRecord(json, fileName);
  if (root.format !== METRICS_FORMAT)
    fail(fileName, `not a metrics export of this app (format is ${JSON.stringify(root.format)})`);
  if (root.version !== METRICS_VERSION)
    fail(fileName, `version ${JSON.stringify(root.version)} is not supported (expected ${METRICS_VERSION})`);
  const runs = readArray(root.runs, `${fileName}: runs`).map((value, i): MetricsRun => {
    const where = `${fileName}: runs[${i}]`;
    const run = readRecord(value, where);
    const id = typeof run.id === 'string' && run.id ? run.id : String(i + 1);
    return {
      id,
      config: readConfig(run.config),
      status: typeof run.status === 'string' ? (run.status as RunStatus) : null,
      problems: Array.isArray(run.problems) ? run.problems.map(String) : [],
      steps: sortedByStep(
        readArray(run.steps, `${where}.steps`).map((p, j) => readStep(p, `${where}.steps[${j}]`, id)),
      ),
      val: sortedByStep(
        readArray(run.val ?? [], `${where}.val`).map((p, j) => readEval(p, `${where}.val[${j}]`, id)),
      ),
      test: run.test === null || run.test === undefined ? null : readEval(run.test, `${where}.test`, id),
    };
  });
  if (runs.length === 0) fail(fileName, 'it holds no runs');
  const model = isRecord(root.model)
    ? {
        description: typeof root.model.description === 'string' ? root.model.description : '',
        config: isRecord(root.model.config) ? root.model.config : null,
      }
    : null;
  const labels = Array.isArray(root.labels) ? root.labels.map(String) : [];
  return {
    format: METRICS_FORMAT,
    version: METRICS_VERSION,
    exportedAt: typeof root.exportedAt === 'string' ? root.exportedAt : '',
    model,
    labels,
    runs,
  };
}
