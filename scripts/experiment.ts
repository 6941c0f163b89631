/**
 * `npm run experiment -- --data <folder> --preset tiny --a '<json>' --b '<json>' --out <dir>`
 *
 * Runs an A/B comparison in the real app: builds it, serves the build, opens it in headless Chromium with
 * the experiment in the URL, picks the dataset folder or archive (.tar.gz, .tgz, .tar, .zip) in the page (or
 * loads the built-in sample), presses "Train both" and waits for both runs to end. The page's own exports
 * become `<out>/metrics.json` and `<out>/metrics.csv`, its engine log `<out>/engine-log.txt`;
 * `<out>/summary.json` holds the dataset (splits, skipped files), per run the best and final validation
 * accuracy, the test accuracy, the clips/s, how many clips each evaluation covered of its split and how many
 * training clips were lost, and `problems`: anything that makes a number incomplete. It is printed at the
 * end, and any problem makes the exit code 1. Progress goes to stderr.
 *
 * The same ingest, worker and training code as a user's tab: nothing here trains or decodes by itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { chromiumFlags } from '../playwright.config.ts';
import { parseMetricsFile } from '../src/store/metrics-file.ts';
import {
  EXPERIMENT_USAGE,
  ExperimentArgsError,
  experimentQuery,
  explainMetrics,
  epochLosses,
  parseExperimentArgs,
  pretrainSlotsOf,
  summarizeExperiment,
  type PretrainResult,
} from './lib/experiment.ts';
import type { PretrainSlot } from '../src/train/pretrain-config.ts';

const ENDED = ['finished', 'failed', 'stopped'];

function log(message: string): void {
  console.error(`[experiment ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function statuses(page: Page): Promise<Record<'A' | 'B', string>> {
  const read = async (id: string) =>
    (await page.getByTestId(`run-status-${id}`).getAttribute('data-status')) ?? 'unknown';
  return { A: await read('A'), B: await read('B') };
}

/** The dataset as one readable line: its sentence, the split sizes, the skipped files. */
async function datasetLine(page: Page): Promise<string> {
  const facts = await datasetFacts(page);
  const splits = Object.entries(facts.splits)
    .map(([split, clips]) => `${split} ${clips}`)
    .join(', ');
  return `${facts.sentence}${splits ? ` (${splits})` : ''}`;
}

interface DatasetFacts {
  sentence: string;
  clips: number;
  splits: Record<string, number>;
  /** Files listed as unusable, with the reason the page gives. */
  skipped: { file: string; reason: string }[];
}

async function datasetFacts(page: Page): Promise<DatasetFacts> {
  const summary = page.getByTestId('dataset-summary');
  const sentence = ((await summary.locator('p').first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const clips = Number(await summary.getAttribute('data-clips'));
  const splits: Record<string, number> = {};
  for (const split of ['train', 'val', 'test']) {
    const cell = page.getByTestId(`split-total-${split}`);
    if ((await cell.count()) > 0) splits[split] = Number(await cell.first().textContent());
  }
  const skipped = await page
    .getByTestId('skipped-files')
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => {
        const cells = [...row.querySelectorAll('td, th')].map((c) => (c.textContent ?? '').trim());
        return { file: cells[0] ?? '', reason: cells[1] ?? '' };
      }),
    );
  return { sentence, clips, splits, skipped };
}

/**
 * The pretraining's record as the engine saved it: the metadata of its checkpoint in the page's OPFS
 * (settings, status, every step's loss). The page shows the same curve; this is its source.
 */
async function pretrainRecord(
  page: Page,
  slot: PretrainSlot,
): Promise<Omit<PretrainResult, 'problems'> | null> {
  const meta = await page.evaluate(async (file) => {
    try {
      const root = await navigator.storage.getDirectory();
      const dir = await root.getDirectoryHandle('pretrain-checkpoints');
      const bytes = new Uint8Array(await (await (await dir.getFileHandle(file)).getFile()).arrayBuffer());
      const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as {
        __metadata__?: { pretraining?: string };
      };
      return header.__metadata__?.pretraining ?? null;
    } catch {
      return null;
    }
  }, `${slot}.safetensors`);
  if (!meta) return null;
  const record = JSON.parse(meta) as {
    status: string;
    config: PretrainResult['config'];
    progress: { points: { step: number; epoch: number; loss: number; lr: number }[] };
  };
  const points = record.progress.points;
  const perEpoch = epochLosses(points);
  return {
    slot,
    status: record.status,
    config: record.config,
    steps: points.length,
    epochs: points.at(-1)?.epoch ?? 0,
    firstEpochLoss: perEpoch[0] ?? null,
    lastEpochLoss: perEpoch.at(-1) ?? null,
    loss: points.map(({ step, epoch, loss, lr }) => ({ step, epoch, loss, lr })),
  };
}

/** Runs one pretraining slot through the Pretrain stage as a user would; returns what it recorded. */
async function pretrain(page: Page, slot: PretrainSlot, deadline: number): Promise<PretrainResult> {
  const stage = page.getByTestId('pretrain-stage');
  if ((await stage.getAttribute('open')) === null) await stage.locator(':scope > summary').click();
  await page
    .getByTestId('pretrain-slot')
    .getByRole('radio', { name: slot === 'pretraining-1' ? 'Pretraining 1' : 'Pretraining 2' })
    .check();
  await page.getByTestId('pretrain-start').click();
  const status = page.getByTestId('pretrain-status');
  let last = '';
  const problems: string[] = [];
  for (;;) {
    const now = (await status.getAttribute('data-status')) ?? 'unknown';
    if (now !== last) log(`${slot}: ${now}`);
    last = now;
    if (ENDED.includes(now)) break;
    if (Date.now() > deadline) {
      problems.push(`${slot} timed out (${now}); the curve so far is kept`);
      break;
    }
    await page.waitForTimeout(5_000);
  }
  const error = page.getByTestId('pretrain-error');
  if (await error.isVisible().catch(() => false)) problems.push(`${slot}: ${await error.textContent()}`);
  const shown = page.getByTestId('pretrain-problems');
  if (await shown.isVisible().catch(() => false))
    problems.push(`${slot}: ${((await shown.textContent()) ?? '').replace(/\s+/g, ' ').trim()}`);
  if (last !== 'finished' && problems.length === 0) problems.push(`${slot} ended ${last}`);
  const record = await pretrainRecord(page, slot);
  if (!record) problems.push(`${slot}: no checkpoint was saved, so there is no curve`);
  return {
    ...(record ?? {
      slot,
      status: last,
      config: null,
      steps: 0,
      epochs: 0,
      firstEpochLoss: null,
      lastEpochLoss: null,
      loss: [],
    }),
    problems,
  };
}

async function download(page: Page, testId: string, to: string): Promise<string> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  await (await pending).saveAs(to);
  return readFileSync(to, 'utf8');
}

async function main(): Promise<void> {
  let options;
  let query;
  try {
    options = parseExperimentArgs(process.argv.slice(2));
    query = experimentQuery(options);
  } catch (error) {
    if (error instanceof ExperimentArgsError) {
      console.error(`${error.message}\n${EXPERIMENT_USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });

  const dist = mkdtempSync(join(tmpdir(), 'experiment-build-'));
  log('building the app');
  await build({ logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  const server = await preview({
    logLevel: 'warn',
    build: { outDir: dist },
    preview: { host: '127.0.0.1', port: 4390, strictPort: false },
  });
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('the preview server has no URL');
  const browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: chromiumFlags(),
  });
  const problems: string[] = [];
  try {
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /WGSL|Invalid/.test(message.text()))
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    await page.goto(`${base}?${query}`);
    await page
      .getByTestId('backend-badge')
      .and(page.locator('[data-status="ready"]'))
      .waitFor({ timeout: 120_000 });
    log(`backend: ${(await page.getByTestId('backend-badge').textContent())?.trim()}`);
    if (options.data) {
      log(`ingesting ${options.data}`);
      const path = resolve(options.data);
      // A folder goes through the folder picker; an archive (.tar.gz, .tgz, .tar, .zip) or a clip through
      // the file picker, as a user would pick it.
      const input = statSync(path).isDirectory() ? 'folder-input' : 'files-input';
      await page.getByTestId(input).setInputFiles(path);
    } else {
      log('loading the built-in sample dataset');
      await page.getByRole('button', { name: 'Try the sample dataset' }).click();
    }
    await page.getByTestId('dataset-summary').waitFor({ timeout: 30 * 60_000 });
    log(`dataset: ${await datasetLine(page)}`);
    const deadline = Date.now() + options.timeoutMinutes * 60_000;
    const pretrainings: PretrainResult[] = [];
    for (const slot of pretrainSlotsOf(options)) {
      const result = await pretrain(page, slot, deadline);
      pretrainings.push(result);
      for (const problem of result.problems) problems.push(problem);
      log(
        `${slot}: ${result.status}, ${result.steps} steps, loss ${result.firstEpochLoss?.toFixed(4)} (epoch 1) -> ${result.lastEpochLoss?.toFixed(4)} (last epoch)`,
      );
    }
    await page.getByTestId('train-both').click();

    let last = '';
    for (;;) {
      const now = await statuses(page);
      const line = `A ${now.A}, B ${now.B}`;
      if (line !== last) log(line);
      last = line;
      if (ENDED.includes(now.A) && ENDED.includes(now.B)) break;
      if (Date.now() > deadline) {
        problems.push(`timed out after ${options.timeoutMinutes} min (${line}); the metrics so far are kept`);
        break;
      }
      await page.waitForTimeout(5_000);
    }
    const error = page.getByTestId('train-error');
    if (await error.isVisible().catch(() => false)) problems.push(`training: ${await error.textContent()}`);

    const engineLog = page.getByTestId('engine-log').locator('li');
    const logLines = await engineLog.allTextContents();
    writeFileSync(join(out, 'engine-log.txt'), logLines.map((l) => `${l}\n`).join(''));
    const metricsText = await download(page, 'export-metrics-json', join(out, 'metrics.json'));
    await download(page, 'export-metrics-csv', join(out, 'metrics.csv'));
    const metrics = parseMetricsFile(metricsText, 'metrics.json');
    const runs = summarizeExperiment(metrics);
    for (const run of runs) for (const problem of run.problems) problems.push(`run ${run.id}: ${problem}`);
    const summary = {
      url: `/?${query}`,
      data: options.data ?? 'built-in sample dataset',
      dataset: await datasetFacts(page),
      model: metrics.model?.description ?? null,
      ...(pretrainings.length > 0 ? { pretrainings } : {}),
      runs,
      explanation: explainMetrics(metrics),
      problems,
    };
    writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    log(`wrote metrics.json, metrics.csv, summary.json and engine-log.txt to ${out}`);
    console.log(JSON.stringify(summary, null, 2));
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
    rmSync(dist, { recursive: true, force: true });
  }
}

await main();
