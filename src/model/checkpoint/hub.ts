/**
 * Checkpoints from the Hugging Face Hub (or a mirror with the same URL layout):
 * `<hub>/<repo>/resolve/<revision>/<file>`. Files are downloaded with byte progress and kept in a cache
 * (Cache Storage in the browser) so that a reload reads them from disk; which weight file a repo has is
 * remembered too, so a cached load makes no request at all.
 */
import { parseConfigJson, readWeights, type Checkpoint, WEIGHT_FILES } from './load.ts';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export {
  HubAccessError,
  HubEntryNotFoundError,
  HubError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
} from './hub-errors.ts';
import {
  HubAccessError,
  HubEntryNotFoundError,
  HubError,
  HubNetworkError,
  HubRepoNotFoundError,
  HubRevisionNotFoundError,
  InvalidRepoIdError,
} from './hub-errors.ts';

export interface HubProgress {
  file: string;
  loadedBytes: number;
  /** From Content-Length; null when the server does not say. */
  totalBytes: number | null;
  fromCache: boolean;
  done: boolean;
}

/** Where downloaded files are kept between page loads. */
export interface HubCache {
  get(url: string): Promise<Uint8Array | null>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

export interface HubLocation {
  /** `owner/name`, e.g. `MCG-NJU/videomae-base`. */
  repo: string;
  /** Branch, tag or commit (default `main`). */
  revision?: string;
  /** The Hub or a mirror (default https://huggingface.co). */
  hubUrl?: string;
}

export interface HubLoadOptions extends HubLocation {
  /** Access token for private or gated repositories. */
  token?: string;
  /** null disables caching; default: Cache Storage where the environment has it. */
  cache?: HubCache | null;
  onProgress?: (progress: HubProgress) => void;
  signal?: AbortSignal;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const MANIFEST = '.videomae-checkpoint.json';

export function resolveUrl(location: HubLocation, file: string): string {
  const repo = location.repo.trim();
  if (!REPO_ID.test(repo) || repo.includes('..'))
    throw new InvalidRepoIdError(`"${location.repo}" is not a Hub repository id (expected owner/name)`);
  const base = (location.hubUrl ?? DEFAULT_HUB_URL).trim().replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base))
    throw new InvalidRepoIdError(`Hub URL "${base}" must start with http:// or https://`);
  const revision = encodeURIComponent(location.revision?.trim() || 'main');
  return `${base}/${repo}/resolve/${revision}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** Cache Storage, where the environment has it (pages and workers on https or localhost). */
export async function cacheStorageHubCache(name = 'videomae-hub-v1'): Promise<HubCache | null> {
  if (typeof caches === 'undefined') return null;
  const cache = await caches.open(name);
  return {
    async get(url) {
      const hit = await cache.match(url);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(url, bytes) {
      const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
      await cache.put(url, new Response(body, { headers: { 'Content-Length': String(bytes.length) } }));
    },
    async delete(url) {
      await cache.delete(url);
    },
  };
}

/** Forgets every cached Hub download (the Model panel's "clear cache"). */
export async function clearHubCache(name = 'videomae-hub-v1'): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(name);
}

function describeLocation(location: HubLocation): string {
  return `${location.repo}@${location.revision?.trim() || 'main'}`;
}

function errorFor(response: Response, url: string, location: HubLocation, file: string): HubError {
  const code = response.headers.get('X-Error-Code');
  const serverMessage = response.headers.get('X-Error-Message');
  const hub = (location.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const status = response.status;
  const detail = `(HTTP ${status}${serverMessage ? `: ${serverMessage}` : ''})`;
  if (code === 'RepoNotFound' || (status === 401 && code !== 'GatedRepo')) {
    return new HubRepoNotFoundError(
      `Repository "${location.repo}" was not found on ${hub} ${detail}. Check the name; a private or gated ` +
        `repository needs an access token.`,
      url,
      status,
    );
  }
  if (code === 'RevisionNotFound')
    return new HubRevisionNotFoundError(
      `Revision "${location.revision ?? 'main'}" does not exist in ${location.repo} ${detail}.`,
      url,
      status,
    );
  if (code === 'EntryNotFound' || status === 404)
    return new HubEntryNotFoundError(
      `${file} does not exist in ${describeLocation(location)} ${detail}.`,
      url,
      status,
    );
  if (code === 'GatedRepo' || status === 403)
    return new HubAccessError(
      `Access to ${location.repo} is restricted ${detail}: accept its terms on the Hub and provide an access token.`,
      url,
      status,
    );
  return new HubError(
    `Downloading ${file} from ${describeLocation(location)} failed ${detail}.`,
    url,
    status,
  );
}

async function readBody(
  response: Response,
  file: string,
  onProgress: ((progress: HubProgress) => void) | undefined,
): Promise<Uint8Array> {
  const header = response.headers.get('Content-Length');
  const declared = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  // Compressed responses declare the compressed size; only trust it when the body is not encoded.
  const total = response.headers.get('Content-Encoding') ? null : declared;
  const report = (loaded: number, done: boolean): void =>
    onProgress?.({
      file,
      loadedBytes: loaded,
      totalBytes: total ?? (done ? loaded : null),
      fromCache: false,
      done,
    });
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    report(bytes.length, true);
    return bytes;
  }
  const reader = response.body.getReader();
  let buffer = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  report(0, false);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > buffer.length) {
      const grown = new Uint8Array(Math.max(buffer.length * 2, loaded + value.length));
      grown.set(buffer.subarray(0, loaded));
      buffer = grown;
    }
    buffer.set(value, loaded);
    loaded += value.length;
    report(loaded, false);
  }
  if (total !== null && loaded !== total)
    throw new HubNetworkError(
      `${file}: the download stopped after ${loaded} of ${total} bytes`,
      response.url,
      response.status,
    );
  report(loaded, true);
  return loaded === buffer.length ? buffer : buffer.slice(0, loaded);
}

/** A full disk (quota) must not fail a load that has the bytes already; the next load downloads again. */
async function putQuietly(cache: HubCache | null, url: string, bytes: Uint8Array): Promise<void> {
  try {
    await cache?.put(url, bytes);
  } catch (error) {
    console.warn(`Not cached (${(error as Error).message}): ${url}`);
  }
}

/**
 * One file of a repo: from the cache when it is there, else downloaded (following the Hub's redirects to
 * its CDN) and cached. Returns null when `optional` and the file does not exist.
 */
export async function fetchHubFile(
  options: HubLoadOptions & { cache: HubCache | null },
  file: string,
  optional = false,
): Promise<Uint8Array | null> {
  const url = resolveUrl(options, file);
  const cached = await options.cache?.get(url);
  if (cached) {
    options.onProgress?.({
      file,
      loadedBytes: cached.length,
      totalBytes: cached.length,
      fromCache: true,
      done: true,
    });
    return cached;
  }
  let response: Response;
  try {
    response = await fetch(url, {
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
      redirect: 'follow',
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    const hub = options.hubUrl ?? DEFAULT_HUB_URL;
    throw new HubNetworkError(
      `Could not reach ${hub} for ${file} (${(error as Error).message}). Check the Hub URL and the network; ` +
        `a mirror must allow cross-origin requests (CORS).`,
      url,
      null,
    );
  }
  if (!response.ok) {
    const error = errorFor(response, url, options, file);
    await response.body?.cancel();
    if (optional && error instanceof HubEntryNotFoundError) return null;
    throw error;
  }
  const bytes = await readBody(response, file, options.onProgress);
  await putQuietly(options.cache, url, bytes);
  return bytes;
}

/** config.json and the weights of a Hub repo, read into memory. */
export async function fetchHubCheckpoint(options: HubLoadOptions): Promise<Checkpoint> {
  const cache = options.cache === undefined ? await cacheStorageHubCache() : options.cache;
  const withCache = { ...options, cache };
  const manifestUrl = resolveUrl(options, MANIFEST);
  // Which weight files this repo turned out to have, from an earlier load: skip probing for the others.
  let known: string[] | null = null;
  const manifest = await cache?.get(manifestUrl);
  if (manifest) {
    try {
      known = (JSON.parse(new TextDecoder().decode(manifest)) as { files: string[] }).files;
    } catch {
      known = null;
    }
  }
  const configBytes = await fetchHubFile(withCache, 'config.json');
  const configJson = parseConfigJson(new TextDecoder().decode(configBytes!), `${options.repo}/config.json`);
  const weightCandidates = new Set<string>(Object.values(WEIGHT_FILES));
  const { stateDict, format, weightFiles } = await readWeights(async (name) => {
    if (known && weightCandidates.has(name) && !known.includes(name)) return null;
    return fetchHubFile(withCache, name, weightCandidates.has(name));
  }, describeLocation(options));
  await putQuietly(cache, manifestUrl, new TextEncoder().encode(JSON.stringify({ files: weightFiles })));
  return { configJson, stateDict, format, weightFiles, source: describeLocation(options) };
}
