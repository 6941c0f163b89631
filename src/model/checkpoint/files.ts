/**
 * A checkpoint from files the user dropped or picked: config.json plus the weights, matched by base name
 * (a dropped folder gives paths such as `videomae-base/model.safetensors`).
 */
import { MissingCheckpointFileError } from './errors.ts';
import { parseConfigJson, readWeights, type Checkpoint } from './load.ts';

/** A File, or anything with a name and bytes (so the same code runs in Node). */
export interface NamedBlob {
  readonly name: string;
  /** Set for files from a dropped folder. */
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface FileProgress {
  file: string;
  loadedBytes: number;
  totalBytes: number | null;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export async function readCheckpointFiles(
  files: Iterable<NamedBlob>,
  options: { onProgress?: (progress: FileProgress) => void } = {},
): Promise<Checkpoint> {
  const byName = new Map<string, NamedBlob>();
  for (const file of files) byName.set(baseName(file.webkitRelativePath || file.name), file);
  const names = [...byName.keys()];
  const describe = names.join(' + ') || 'no files';
  const read = async (name: string): Promise<Uint8Array | null> => {
    const file = byName.get(name);
    if (!file) return null;
    const bytes = new Uint8Array(await file.arrayBuffer());
    options.onProgress?.({ file: name, loadedBytes: bytes.length, totalBytes: bytes.length });
    return bytes;
  };
  const configBytes = await read('config.json');
  if (!configBytes) {
    throw new MissingCheckpointFileError(
      `config.json is missing (got ${describe}): drop the whole checkpoint folder, config.json and the weights`,
    );
  }
  const configJson = parseConfigJson(new TextDecoder().decode(configBytes));
  let source = read;
  // A single *.safetensors under another name is still the weights (e.g. a renamed download).
  const otherSafetensors = names.filter((n) => n.endsWith('.safetensors'));
  if (
    !byName.has('model.safetensors') &&
    !names.some((n) => n.endsWith('.index.json')) &&
    otherSafetensors.length === 1
  ) {
    source = (name) => read(name === 'model.safetensors' ? otherSafetensors[0]! : name);
  }
  const { stateDict, format, weightFiles } = await readWeights(source, describe);
  return { configJson, stateDict, format, weightFiles, source: ['config.json', ...weightFiles].join(' + ') };
}
