import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderHubCache } from '../../../scripts/lib/checkpoint-dir.ts';
import { freePort, startFakeHub, type FakeHub } from '../../../scripts/lib/fake-hub-process.ts';
import { FIXTURES_ROOT } from '../../../scripts/lib/videomae-fixtures.ts';
import { MissingCheckpointFileError } from './errors.ts';
import {
  fetchHubCheckpoint,
  HubEntryNotFoundError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
  resolveUrl,
  type HubProgress,
} from './hub.ts';
import { loadPretrainedFromHub, type LoadProgress } from './pretrained.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

describe('Hub loader against the local Hub stand-in', () => {
  let hub: FakeHub;
  let work: string;
  let extraRoot: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'videomae-hub-test-'));
    hub = await startFakeHub(FIXTURES_ROOT);
    // Repos the shared fixtures do not have: only a .bin, a sharded safetensors, config without weights.
    extraRoot = join(work, 'repos');
    const cls = join(FIXTURES_ROOT, 'tiny_cls_meanpool');
    mkdirSync(join(extraRoot, 'binonly'), { recursive: true });
    copyFileSync(join(cls, 'config.json'), join(extraRoot, 'binonly/config.json'));
    copyFileSync(join(cls, 'pytorch_model.bin'), join(extraRoot, 'binonly/pytorch_model.bin'));
    mkdirSync(join(extraRoot, 'sharded'));
    copyFileSync(join(cls, 'config.json'), join(extraRoot, 'sharded/config.json'));
    const tensors = [
      ...readSafetensors(new Uint8Array(readFileSync(join(cls, 'model.safetensors')))).tensors,
    ];
    const shards = [tensors.slice(0, 10), tensors.slice(10)];
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const name = `model-0000${i + 1}-of-00002.safetensors`;
      writeFileSync(join(extraRoot, 'sharded', name), writeSafetensors(shard));
      for (const [key] of shard) weightMap[key] = name;
    });
    writeFileSync(
      join(extraRoot, 'sharded/model.safetensors.index.json'),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    mkdirSync(join(extraRoot, 'noweights'));
    copyFileSync(join(cls, 'config.json'), join(extraRoot, 'noweights/config.json'));
  }, 60_000);

  afterAll(async () => {
    await hub.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('builds resolve URLs like huggingface_hub (revision escaped, mirror base without trailing slash)', () => {
    expect(resolveUrl({ repo: 'MCG-NJU/videomae-base' }, 'config.json')).toBe(
      'https://huggingface.co/MCG-NJU/videomae-base/resolve/main/config.json',
    );
    expect(
      resolveUrl(
        { repo: 'a/b', revision: 'refs/pr/1', hubUrl: 'https://hf-mirror.com/' },
        'model.safetensors',
      ),
    ).toBe('https://hf-mirror.com/a/b/resolve/refs%2Fpr%2F1/model.safetensors');
    expect(() => resolveUrl({ repo: '../../etc' }, 'config.json')).toThrow(InvalidRepoIdError);
    expect(() => resolveUrl({ repo: 'a/b', hubUrl: 'ftp://x' }, 'config.json')).toThrow(InvalidRepoIdError);
  });

  it('downloads config.json and the redirected weights with byte progress, then serves a reload from the cache', async () => {
    const cacheDir = join(work, 'cache-main');
    const events: HubProgress[] = [];
    const options = {
      repo: 'fixtures/tiny_cls_meanpool',
      hubUrl: hub.url,
      cache: folderHubCache(cacheDir),
      onProgress: (p: HubProgress) => events.push(p),
    };
    // The Hub answers weight files with a redirect to its CDN; the loader must follow it.
    const raw = await fetch(resolveUrl(options, 'model.safetensors'), { redirect: 'manual' });
    expect(raw.status).toBe(302);
    await raw.body?.cancel();
    const first = await fetchHubCheckpoint(options);
    expect(first.format).toBe('safetensors');
    expect(first.source).toBe('fixtures/tiny_cls_meanpool@main');
    const size = readFileSync(join(FIXTURES_ROOT, 'tiny_cls_meanpool/model.safetensors')).length;
    const weightEvents = events.filter((e) => e.file === 'model.safetensors');
    expect(weightEvents.every((e) => !e.fromCache && e.totalBytes === size)).toBe(true);
    expect(weightEvents[0]!.loadedBytes).toBe(0);
    expect(weightEvents.at(-1)).toMatchObject({ loadedBytes: size, done: true });
    for (let i = 1; i < weightEvents.length; i++)
      expect(weightEvents[i]!.loadedBytes).toBeGreaterThanOrEqual(weightEvents[i - 1]!.loadedBytes);
    expect(events.some((e) => e.file === 'config.json' && e.done)).toBe(true);
    const reference = readSafetensors(
      new Uint8Array(readFileSync(join(FIXTURES_ROOT, 'tiny_cls_meanpool/model.safetensors'))),
    ).tensors;
    for (const [name, t] of reference) expect(first.stateDict.get(name)!.data).toEqual(t.data);

    // The reload reads every file from the cache (the next test shows it needs no server at all).
    events.length = 0;
    const offline = await fetchHubCheckpoint({
      ...options,
      hubUrl: hub.url,
      cache: folderHubCache(cacheDir),
    });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.fromCache && e.done)).toBe(true);
    expect(offline.stateDict.size).toBe(first.stateDict.size);
  });

  it('serves a reload from the cache even when the Hub is gone', async () => {
    const cacheDir = join(work, 'cache-offline');
    const own = await startFakeHub(extraRoot);
    const options = { repo: 'fixtures/binonly', hubUrl: own.url, cache: folderHubCache(cacheDir) };
    const first = await fetchHubCheckpoint(options);
    expect(first.format).toBe('pytorch-bin');
    expect(first.weightFiles).toEqual(['pytorch_model.bin']);
    await own.stop();
    await expect(fetchHubCheckpoint({ ...options, cache: null })).rejects.toThrow(HubNetworkError);
    const events: HubProgress[] = [];
    const second = await fetchHubCheckpoint({ ...options, onProgress: (p) => events.push(p) });
    expect(second.format).toBe('pytorch-bin');
    expect(events.map((e) => [e.file, e.fromCache])).toEqual([
      ['config.json', true],
      ['pytorch_model.bin', true],
    ]);
  });

  it('falls back to the sharded index, and says when a repo has no weights', async () => {
    const own = await startFakeHub(extraRoot);
    try {
      const sharded = await fetchHubCheckpoint({ repo: 'fixtures/sharded', hubUrl: own.url, cache: null });
      expect(sharded.format).toBe('safetensors-sharded');
      expect(sharded.stateDict.size).toBe(36);
      await expect(
        fetchHubCheckpoint({ repo: 'fixtures/noweights', hubUrl: own.url, cache: null }),
      ).rejects.toThrow(MissingCheckpointFileError);
    } finally {
      await own.stop();
    }
  });

  it('turns 401/404 answers into named errors that say what is missing', async () => {
    const base = { hubUrl: hub.url, cache: null };
    await expect(fetchHubCheckpoint({ ...base, repo: 'fixtures/does-not-exist' })).rejects.toThrow(
      HubRepoNotFoundError,
    );
    await expect(fetchHubCheckpoint({ ...base, repo: 'someone/tiny_cls_meanpool' })).rejects.toThrow(
      /Repository "someone\/tiny_cls_meanpool" was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 401: Repository not found\)/,
    );
    await expect(
      fetchHubCheckpoint({ ...base, repo: 'fixtures/tiny_cls_meanpool', revision: 'v9' }),
    ).rejects.toThrow(HubRevisionNotFoundError);
    // dtype_variants holds no config.json at its top level.
    const error = await fetchHubCheckpoint({ ...base, repo: 'fixtures/dtype_variants' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubEntryNotFoundError);
    expect((error as HubEntryNotFoundError).status).toBe(404);
    expect((error as Error).message).toMatch(/config\.json does not exist in fixtures\/dtype_variants@main/);
  });

  it('loads a pretraining repo end to end for the Model panel: progress, then the model and its report', async () => {
    const events: LoadProgress[] = [];
    const loaded = await loadPretrainedFromHub(
      { repo: 'fixtures/tiny_pretrain', hubUrl: hub.url, cache: null },
      { overrides: { labels: ['a', 'b', 'c'] }, seed: 1, onProgress: (p) => events.push(p) },
    );
    expect(events.at(-1)!.stage).toBe('build');
    expect(
      events.some(
        (e) => e.stage === 'read' && e.file === 'model.safetensors' && e.loadedBytes === e.totalBytes,
      ),
    ).toBe(true);
    expect(loaded.format).toBe('safetensors');
    expect(loaded.config.num_labels).toBe(3);
    expect(loaded.report.source).toBe('fixtures/tiny_pretrain@main');
    expect(loaded.report.missingKeys).toEqual(['classifier.bias', 'classifier.weight']);
    expect(loaded.report.unexpectedKeys).toContain('mask_token');
    expect(loaded.report.classifierReinitialized?.reason).toBe('missing');
    loaded.model.dispose();
  });

  it('reports an unreachable Hub as a network error naming the URL', async () => {
    const port = await freePort();
    const error = await fetchHubCheckpoint({
      repo: 'a/b',
      hubUrl: `http://127.0.0.1:${port}`,
      cache: null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubNetworkError);
    expect((error as Error).message).toContain(`Could not reach http://127.0.0.1:${port}`);
  });
});
