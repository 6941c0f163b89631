/**
 * The models at both ends of a pretraining: the VideoMAEForPreTraining it starts from (the prepared
 * model's encoder plus a decoder) and the classifier a run builds from a pretraining's weights.
 */
import type { StateDict } from '../model/checkpoint/state-dict.ts';
import { loadCheckpoint } from '../model/checkpoint/load.ts';
import type { LoadReport } from '../model/checkpoint/apply.ts';
import type { VideoMAEConfig } from '../model/videomae/config.ts';
import type { VideoMAEForVideoClassification } from '../model/videomae/model.ts';
import { initParameter, pretrainingParameterSpecs } from '../model/videomae/params.ts';
import { VideoMAEForPreTraining } from '../model/videomae/pretraining.ts';
import type { TensorValue } from './checkpoint-store.ts';

type DecoderShape = Pick<
  VideoMAEConfig,
  | 'decoder_hidden_size'
  | 'decoder_num_hidden_layers'
  | 'decoder_num_attention_heads'
  | 'decoder_intermediate_size'
>;

/**
 * A decoder for an encoder that comes without one. The paper's decoders are half the encoder's width
 * with half its heads and a third of its depth (ViT-S 384/6/12 -> 192/3/4, ViT-B 768/12/12 -> 384/6/4,
 * the HF defaults) and an MLP 4x wide: light enough that the encoder, on 10-25% of the tokens, and the
 * decoder, on all of them, cost about the same. The same rule sizes the tiny preset (128/4/4 -> 64/2/2).
 */
export function decoderFor(
  encoder: Pick<VideoMAEConfig, 'hidden_size' | 'num_attention_heads' | 'num_hidden_layers'>,
): DecoderShape {
  let heads = Math.max(1, Math.floor(encoder.num_attention_heads / 2));
  let hidden = Math.max(heads, Math.floor(encoder.hidden_size / 2));
  // Keep the width a multiple of the heads (an odd encoder shape can make it not).
  while (hidden % heads !== 0) heads -= 1;
  hidden = Math.max(hidden, 1);
  return {
    decoder_hidden_size: hidden,
    decoder_num_attention_heads: heads,
    decoder_num_hidden_layers: Math.max(1, Math.round(encoder.num_hidden_layers / 3)),
    decoder_intermediate_size: 4 * hidden,
  };
}

export interface PretrainStart {
  /** The prepared model's config (a classifier's; its decoder_* fields are read only with `decoder`). */
  config: VideoMAEConfig;
  /** The prepared model's weights (HF names; the `videomae.*` ones are the encoder). */
  weights: ReadonlyMap<string, Float32Array>;
  /** The decoder of a loaded VideoMAEForPreTraining checkpoint (mask_token, encoder_to_decoder, decoder.*). */
  decoder?: ReadonlyMap<string, Float32Array> | null;
}

/**
 * The VideoMAEForPreTraining a fresh pretraining starts from: the prepared encoder, and the checkpoint's
 * own decoder when it came with one, else a new decoder (sized by decoderFor, drawn from `seed`).
 */
export function pretrainingModelFor(
  start: PretrainStart,
  options: { normPixLoss: boolean; seed: number | string },
): VideoMAEForPreTraining {
  const withDecoder = start.decoder && start.decoder.size > 0;
  const config: VideoMAEConfig = {
    ...start.config,
    ...(withDecoder ? {} : decoderFor(start.config)),
    norm_pix_loss: options.normPixLoss,
    architectures: ['VideoMAEForPreTraining'],
  };
  const weights = new Map<string, Float32Array>();
  for (const spec of pretrainingParameterSpecs(config)) {
    const given = start.weights.get(spec.name) ?? start.decoder?.get(spec.name);
    weights.set(spec.name, given ?? initParameter(spec, config, options.seed));
  }
  return VideoMAEForPreTraining.fromWeights(config, weights);
}

export class PretrainingMismatchError extends Error {
  override name = 'PretrainingMismatchError';
}

/**
 * A classifier from a pretraining's weights, as `VideoMAEForVideoClassification.from_pretrained(<the
 * exported pretraining>, num_labels=..., use_mean_pooling=...)` builds it: encoder loaded, decoder
 * dropped, head (and fc_norm with mean pooling) fresh from `seed`. `like` is the prepared model: its
 * labels, pooling and dropouts; its input shape must be the pretraining's.
 */
export function classifierFromPretrainingWeights(
  modelConfig: Record<string, unknown>,
  weights: ReadonlyMap<string, TensorValue>,
  like: VideoMAEConfig,
  seed: number | string,
  name: string,
): { model: VideoMAEForVideoClassification; report: LoadReport } {
  const stateDict: StateDict = new Map();
  for (const [key, { shape, data }] of weights) stateDict.set(key, { dtype: 'F32', shape, data });
  const labels = Array.from({ length: like.num_labels }, (_, i) => like.id2label[String(i)] ?? `LABEL_${i}`);
  const { model, config, report } = loadCheckpoint(
    { configJson: modelConfig, stateDict, format: 'safetensors', weightFiles: [], source: name },
    {
      overrides: {
        labels,
        use_mean_pooling: like.use_mean_pooling,
        hidden_dropout_prob: like.hidden_dropout_prob,
        attention_probs_dropout_prob: like.attention_probs_dropout_prob,
        drop_path_rate: like.drop_path_rate,
      },
      seed,
    },
  );
  const differs = (['num_frames', 'image_size', 'num_channels'] as const).filter(
    (k) => config[k] !== like[k],
  );
  if (differs.length > 0) {
    model.dispose();
    throw new PretrainingMismatchError(
      `${name} was made for ${differs.map((k) => `${k} ${config[k]}`).join(', ')} but the prepared model has ` +
        `${differs.map((k) => `${k} ${like[k]}`).join(', ')}: prepare the model the pretraining was made with`,
    );
  }
  return { model, report };
}
