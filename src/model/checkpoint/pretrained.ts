/**
 * The two ways the Model panel gets a pretrained model, end to end: a Hub repo (or mirror) and dropped
 * files. Each reports byte progress while reading and returns the model with its load report.
 */
import type { VideoMAEConfig } from '../videomae/config.ts';
import type { VideoMAEForVideoClassification } from '../videomae/model.ts';
import type { LoadReport } from './apply.ts';
import { readCheckpointFiles, type NamedBlob } from './files.ts';
import { fetchHubCheckpoint, type HubLoadOptions } from './hub.ts';
import { loadCheckpoint, type Checkpoint, type LoadOptions } from './load.ts';
import { isPretrainingConfig } from './pretraining.ts';

export interface LoadProgress {
  /** `read`: bytes of one file arriving (network, cache or disk); `build`: creating the model's tensors. */
  stage: 'read' | 'build';
  file: string | null;
  loadedBytes: number;
  totalBytes: number | null;
  fromCache: boolean;
}

export interface LoadedModel {
  model: VideoMAEForVideoClassification;
  config: VideoMAEConfig;
  report: LoadReport;
  /** The checkpoint's weight format and files, for display. */
  format: Checkpoint['format'];
  weightFiles: string[];
  /**
   * The decoder of a VideoMAEForPreTraining checkpoint (mask_token, encoder_to_decoder, decoder.*), which a
   * classifier does not use but a pretraining continues with; null for other checkpoints.
   */
  decoder: Map<string, Float32Array> | null;
}

function decoderOf(checkpoint: Checkpoint): Map<string, Float32Array> | null {
  if (!isPretrainingConfig(checkpoint.configJson)) return null;
  const decoder = new Map<string, Float32Array>();
  for (const [key, tensor] of checkpoint.stateDict)
    if (key === 'mask_token' || key.startsWith('encoder_to_decoder.') || key.startsWith('decoder.'))
      decoder.set(key, tensor.data);
  return decoder;
}

export interface PretrainedOptions extends LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
}

function build(checkpoint: Checkpoint, options: PretrainedOptions): LoadedModel {
  options.onProgress?.({ stage: 'build', file: null, loadedBytes: 0, totalBytes: null, fromCache: false });
  const { model, config, report } = loadCheckpoint(checkpoint, options);
  return {
    model,
    config,
    report,
    format: checkpoint.format,
    weightFiles: checkpoint.weightFiles,
    decoder: decoderOf(checkpoint),
  };
}

export async function loadPretrainedFromHub(
  hub: Omit<HubLoadOptions, 'onProgress'>,
  options: PretrainedOptions = {},
): Promise<LoadedModel> {
  const checkpoint = await fetchHubCheckpoint({
    ...hub,
    onProgress: (p) =>
      options.onProgress?.({
        stage: 'read',
        file: p.file,
        loadedBytes: p.loadedBytes,
        totalBytes: p.totalBytes,
        fromCache: p.fromCache,
      }),
  });
  return build(checkpoint, options);
}

export async function loadPretrainedFromFiles(
  files: Iterable<NamedBlob>,
  options: PretrainedOptions = {},
): Promise<LoadedModel> {
  const checkpoint = await readCheckpointFiles(files, {
    onProgress: (p) => options.onProgress?.({ stage: 'read', ...p, fromCache: false }),
  });
  return build(checkpoint, options);
}
