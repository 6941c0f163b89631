import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeHub } from './lib/fake-hub-process.ts';
import { classifierFixtures, FIXTURES_ROOT, pretrainFixtures } from './lib/videomae-fixtures.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'videomae-infer-test-'));

function infer(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/infer.ts'), ...args],
      {
        env: { ...process.env, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function maxAbs(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i]![j]!)))));
  return Number.isNaN(max) ? Infinity : max;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run infer', () => {
  for (const fixture of classifierFixtures()) {
    it(`prints the logits of ${fixture.name} as JSON (and writes --out)`, async () => {
      const out = join(work, `${fixture.name.replace(/\W/g, '_')}.json`);
      const result = await infer([
        '--model',
        fixture.dir,
        '--input',
        join(fixture.dir, 'input.bin'),
        '--shape',
        fixture.meta.input_shape.join(','),
        '--out',
        out,
      ]);
      expect(result.code, result.stderr).toBe(0);
      const printed = JSON.parse(result.stdout) as number[][];
      expect(maxAbs(printed, fixture.expected.logits)).toBeLessThan(1e-4);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(printed);
      expect(result.stderr).toMatch(/sample 0: /);
    }, 60_000);
  }

  for (const fixture of pretrainFixtures()) {
    it(`prints the loss and masked-cube logits of the pretraining checkpoint ${fixture.name}`, async () => {
      const out = join(work, `${fixture.name.replace(/\W/g, '_')}.json`);
      const args = [
        '--model',
        fixture.dir,
        '--input',
        join(fixture.dir, 'input.bin'),
        '--shape',
        fixture.meta.input_shape.join(','),
      ];
      const result = await infer([...args, '--mask', join(fixture.dir, 'mask.bin'), '--out', out]);
      expect(result.code, result.stderr).toBe(0);
      const printed = JSON.parse(result.stdout) as { loss: number; logits: number[][][] };
      const ref = fixture.expected.pretraining_forward;
      expect(Math.abs(printed.loss - ref.loss_mse_norm_pix)).toBeLessThan(1e-5);
      const flat = printed.logits.flat(2);
      const expected = ref.logits_full.flat(2);
      expect(flat.length).toBe(expected.length);
      expect(Math.max(...flat.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-4);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(printed);
      const noMask = await infer(args);
      expect(noMask.code).toBe(2);
      expect(noMask.stderr).toMatch(/VideoMAEForPreTraining checkpoint: --mask <mask\.bin>/);
      const wrongMask = await infer([...args, '--mask', join(fixture.dir, 'input.bin')]);
      expect(wrongMask.code).toBe(2);
      expect(wrongMask.stderr).toMatch(/input\.bin has 98304 bytes; uint8 \[2, 32\]/);
    }, 90_000);
  }

  it('loads from a Hub (here the local stand-in) by repo id, caching the download', async () => {
    const hub = await startFakeHub(FIXTURES_ROOT);
    try {
      const fixture = join(FIXTURES_ROOT, 'tiny_cls_meanpool');
      const args = [
        '--model',
        'hub:fixtures/tiny_cls_meanpool@main',
        '--hub-url',
        hub.url,
        '--input',
        join(fixture, 'input.bin'),
        '--shape',
        '2,4,3,32,32',
      ];
      const env = { XDG_CACHE_HOME: join(work, 'cache') };
      const first = await infer(args, env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/model\.safetensors: \d+ bytes of \d+\n/);
      const second = await infer(args, env);
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toMatch(/model\.safetensors: \d+ bytes of \d+ \(cache\)/);
    } finally {
      await hub.stop();
    }
  }, 90_000);

  it('explains bad arguments and inputs with a non-zero exit', async () => {
    const dir = join(FIXTURES_ROOT, 'tiny_cls_meanpool');
    const wrongSize = await infer([
      '--model',
      dir,
      '--input',
      join(dir, 'input.bin'),
      '--shape',
      '1,4,3,32,32',
    ]);
    expect(wrongSize.code).toBe(2);
    expect(wrongSize.stderr).toMatch(/input\.bin has 98304 bytes; float32 \[1, 4, 3, 32, 32\] needs 49152/);
    const wrongLayout = await infer([
      '--model',
      dir,
      '--input',
      join(dir, 'input.bin'),
      '--shape',
      '2,3,4,32,32',
    ]);
    expect(wrongLayout.code).toBe(1);
    expect(wrongLayout.stderr).toMatch(/InputShapeError: pixel_values must be \[batch, 4, 3, 32, 32\]/);
    const noModel = await infer([
      '--model',
      join(work, 'nothing'),
      '--input',
      join(dir, 'input.bin'),
      '--shape',
      '2,4,3,32,32',
    ]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/MissingCheckpointFileError: .*nothing\/config\.json does not exist/);
    expect((await infer(['--model', dir])).stderr).toMatch(/--input is required/);
    expect(wrongSize.stdout).toBe('');
  }, 90_000);
});
