/**
 * The built-in sample dataset (`public/samples/motion6`, made by scripts/make-sample-dataset.ts). A static
 * server cannot list folders, so a manifest names every file; each is fetched and handed to the same
 * ingest as a dropped folder.
 */
import type { SourceFile } from './source-files.ts';

export interface SampleManifest {
  name: string;
  description: string;
  classes: string[];
  files: { path: string; size: number }[];
}

/** Where the app serves the sample; read when asked, so that importing this module needs no Vite (Node tests). */
export function sampleDatasetUrl(): string {
  return `${import.meta.env.BASE_URL}samples/motion6/`;
}

export interface FetchProgress {
  loadedFiles: number;
  totalFiles: number;
  loadedBytes: number;
  totalBytes: number;
}

export async function fetchSampleManifest(baseUrl = sampleDatasetUrl()): Promise<SampleManifest> {
  const response = await fetch(`${baseUrl}manifest.json`);
  if (!response.ok) throw new Error(`Sample dataset manifest: HTTP ${response.status} from ${response.url}`);
  return (await response.json()) as SampleManifest;
}

export async function fetchSampleDataset(
  onProgress: (progress: FetchProgress) => void = () => {},
  baseUrl = sampleDatasetUrl(),
  signal?: AbortSignal,
): Promise<{ manifest: SampleManifest; files: SourceFile[] }> {
  const manifest = await fetchSampleManifest(baseUrl);
  const totalBytes = manifest.files.reduce((sum, f) => sum + f.size, 0);
  const progress: FetchProgress = {
    loadedFiles: 0,
    totalFiles: manifest.files.length,
    loadedBytes: 0,
    totalBytes,
  };
  onProgress({ ...progress });
  const root = manifest.name;
  const files: SourceFile[] = [];
  // A few requests at a time: enough to hide latency, few enough not to starve the page.
  const queue = [...manifest.files];
  const workers = Array.from({ length: 6 }, async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const response = await fetch(baseUrl + entry.path, { signal });
      if (!response.ok) throw new Error(`${entry.path}: HTTP ${response.status}`);
      const blob = await response.blob();
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      // A stable modification time keeps the decoded-frame cache valid across reloads.
      const lastModified = Date.parse(response.headers.get('last-modified') ?? '') || 0;
      files.push({
        path: `${root}/${entry.path}`,
        file: new File([blob], name, { type: blob.type, lastModified }),
      });
      progress.loadedFiles++;
      progress.loadedBytes += blob.size;
      onProgress({ ...progress });
    }
  });
  await Promise.all(workers);
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { manifest, files };
}
