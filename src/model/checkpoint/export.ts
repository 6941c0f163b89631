/**
 * The current model as a Hugging Face checkpoint folder: `config.json` and `model.safetensors` with HF's
 * key names and PyTorch shapes, so `VideoMAEForVideoClassification.from_pretrained(dir)` loads it.
 */
import type { VideoMAEConfig } from '../videomae/config.ts';
import type { VideoMAEForVideoClassification } from '../videomae/model.ts';
import { writeSafetensors } from './safetensors.ts';

export interface ExportedFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** Fields of a loaded config.json that describe where it came from, not the model: not written back. */
const DROPPED_FIELDS = new Set([
  'transformers_version',
  '_name_or_path',
  'problem_type',
  'torch_dtype',
  '_commit_hash',
]);

/** config.json as `PretrainedConfig.to_json_string` writes it: sorted keys, two-space indent. */
export function configToJson(
  config: VideoMAEConfig,
  architecture = 'VideoMAEForVideoClassification',
): string {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config))
    if (!DROPPED_FIELDS.has(key) && value !== undefined) out[key] = value;
  out.architectures = [architecture];
  out.model_type = 'videomae';
  out.torch_dtype = 'float32';
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  for (let i = 0; i < config.num_labels; i++) {
    const label = config.id2label[String(i)] ?? `LABEL_${i}`;
    id2label[String(i)] = label;
    label2id[label] = i;
  }
  out.id2label = id2label;
  out.label2id = label2id;
  // num_labels is derived from id2label by transformers; writing both is what save_pretrained avoids too.
  delete out.num_labels;
  return `${JSON.stringify(sortKeys(out), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

export async function exportCheckpoint(model: VideoMAEForVideoClassification): Promise<ExportedFile[]> {
  const weights = await model.getWeights();
  return [
    {
      name: 'config.json',
      mimeType: 'application/json',
      bytes: new TextEncoder().encode(configToJson(model.config)),
    },
    { name: 'model.safetensors', mimeType: 'application/octet-stream', bytes: writeSafetensors(weights) },
  ];
}
