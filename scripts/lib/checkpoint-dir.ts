/**
 * Node-side checkpoint access for the CLI and the tests: a checkpoint folder on disk, and a Hub download
 * cache in a folder (the browser uses Cache Storage instead).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigJson, readWeights, type Checkpoint } from '../../src/model/checkpoint/load.ts';
import type { HubCache } from '../../src/model/checkpoint/hub.ts';
import { MissingCheckpointFileError } from '../../src/model/checkpoint/errors.ts';

export async function readCheckpointDir(dir: string): Promise<Checkpoint> {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new MissingCheckpointFileError(`${configPath} does not exist`);
  const configJson = parseConfigJson(readFileSync(configPath, 'utf8'), configPath);
  const { stateDict, format, weightFiles } = await readWeights(async (name) => {
    const path = join(dir, name);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
  }, dir);
  return { configJson, stateDict, format, weightFiles, source: dir };
}

/** A HubCache in a folder: one file per URL, named by its SHA-256, written atomically. */
export function folderHubCache(dir: string): HubCache {
  mkdirSync(dir, { recursive: true });
  const pathOf = (url: string): string => join(dir, createHash('sha256').update(url).digest('hex'));
  return {
    async get(url) {
      const path = pathOf(url);
      return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
    },
    async put(url, bytes) {
      const path = pathOf(url);
      writeFileSync(`${path}.partial`, bytes);
      renameSync(`${path}.partial`, path);
    },
    async delete(url) {
      rmSync(pathOf(url), { force: true });
    },
  };
}
