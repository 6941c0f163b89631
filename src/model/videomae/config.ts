/**
 * VideoMAE configuration with Hugging Face `VideoMAEConfig` field names and defaults, the model presets,
 * and what a configuration costs (parameters, FLOPs, activation memory).
 */

export interface VideoMAEConfig {
  image_size: number;
  patch_size: number;
  num_channels: number;
  num_frames: number;
  tubelet_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  initializer_range: number;
  layer_norm_eps: number;
  qkv_bias: boolean;
  use_mean_pooling: boolean;
  num_labels: number;
  id2label: Record<string, string>;
  label2id: Record<string, number>;
  /** Stochastic depth rate (not an HF config field: the VideoMAE recipe passes it to the model). */
  drop_path_rate: number;
  /** Pretraining-only fields, kept so an exported config round-trips. */
  decoder_num_attention_heads: number;
  decoder_hidden_size: number;
  decoder_num_hidden_layers: number;
  decoder_intermediate_size: number;
  norm_pix_loss: boolean;
  architectures?: string[];
  model_type: 'videomae';
}

/** `VideoMAEConfig()` defaults in transformers. */
export const HF_DEFAULTS: Omit<VideoMAEConfig, 'id2label' | 'label2id' | 'num_labels'> = {
  image_size: 224,
  patch_size: 16,
  num_channels: 3,
  num_frames: 16,
  tubelet_size: 2,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  qkv_bias: true,
  use_mean_pooling: true,
  drop_path_rate: 0,
  decoder_num_attention_heads: 6,
  decoder_hidden_size: 384,
  decoder_num_hidden_layers: 4,
  decoder_intermediate_size: 1536,
  norm_pix_loss: true,
  model_type: 'videomae',
};

/** The `hidden_act` names of transformers' ACT2FN that this model implements (formulas in activations.ts). */
export const HIDDEN_ACTIVATIONS = [
  'gelu',
  'gelu_python',
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
  'gelu_accurate',
  'quick_gelu',
  'relu',
  'relu6',
  'leaky_relu',
  'silu',
  'swish',
  'mish',
  'tanh',
  'sigmoid',
  'linear',
] as const;

export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

export function isHiddenActivation(name: string): name is HiddenActivation {
  return (HIDDEN_ACTIVATIONS as readonly string[]).includes(name);
}

/**
 * Stochastic-depth rate of each encoder layer: `torch.linspace(0, drop_path_rate, num_hidden_layers)` as the
 * VideoMAE fine-tuning recipe builds it (so a single layer gets rate 0).
 */
export function dropPathRates(c: Pick<VideoMAEConfig, 'drop_path_rate' | 'num_hidden_layers'>): number[] {
  const n = c.num_hidden_layers;
  return Array.from({ length: n }, (_, i) => (n === 1 ? 0 : (c.drop_path_rate * i) / (n - 1)));
}

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
}

export function labelMaps(
  labels: readonly string[],
): Pick<VideoMAEConfig, 'id2label' | 'label2id' | 'num_labels'> {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  labels.forEach((label, i) => {
    id2label[String(i)] = label;
    label2id[label] = i;
  });
  return { id2label, label2id, num_labels: labels.length };
}

/**
 * Reads a `config.json` object the way `PretrainedConfig` does: missing fields take the defaults,
 * `num_labels` comes from `id2label` when present (HF's default is 2 labels). Throws InvalidConfigError when
 * the shape of the model is inconsistent.
 */
export function parseConfig(json: Record<string, unknown>): VideoMAEConfig {
  const config = { ...HF_DEFAULTS } as Record<string, unknown>;
  for (const [key, value] of Object.entries(json))
    if (value !== null && value !== undefined) config[key] = value;
  let id2label = json.id2label as Record<string, string> | undefined;
  if (!id2label) {
    const n = typeof json.num_labels === 'number' ? json.num_labels : 2;
    id2label = Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), `LABEL_${i}`]));
  }
  const labels = Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => id2label[String(i)]!);
  Object.assign(config, labelMaps(labels));
  const result = config as unknown as VideoMAEConfig;
  validateConfig(result);
  return result;
}

export function validateConfig(c: VideoMAEConfig): void {
  const problems: string[] = [];
  const positive: (keyof VideoMAEConfig)[] = [
    'image_size',
    'patch_size',
    'num_channels',
    'num_frames',
    'tubelet_size',
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
  ];
  for (const key of positive) {
    const value = c[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      problems.push(`${key} must be a positive integer (got ${String(value)})`);
  }
  if (c.image_size % c.patch_size !== 0)
    problems.push(`image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`);
  if (c.num_frames % c.tubelet_size !== 0)
    problems.push(`num_frames ${c.num_frames} is not a multiple of tubelet_size ${c.tubelet_size}`);
  if (c.hidden_size % c.num_attention_heads !== 0) {
    problems.push(
      `hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`,
    );
  }
  if (!isHiddenActivation(c.hidden_act)) {
    problems.push(
      `hidden_act "${c.hidden_act}" is not supported (supported: ${HIDDEN_ACTIVATIONS.join(', ')})`,
    );
  }
  for (const key of ['hidden_dropout_prob', 'attention_probs_dropout_prob', 'drop_path_rate'] as const) {
    const value = c[key];
    if (typeof value !== 'number' || !(value >= 0 && value < 1))
      problems.push(`${key} must be in [0, 1) (got ${String(value)})`);
  }
  if (!(c.layer_norm_eps > 0)) problems.push(`layer_norm_eps must be positive (got ${c.layer_norm_eps})`);
  if (c.num_labels < 1) problems.push('num_labels must be at least 1');
  if (problems.length > 0) throw new InvalidConfigError(`Invalid VideoMAE config: ${problems.join('; ')}`);
}

/** Tokens the encoder attends over: (T / tubelet) * (H / patch) * (W / patch). */
export function sequenceLength(
  c: Pick<VideoMAEConfig, 'num_frames' | 'tubelet_size' | 'image_size' | 'patch_size'>,
): number {
  const side = c.image_size / c.patch_size;
  return (c.num_frames / c.tubelet_size) * side * side;
}

export type PresetName = 'tiny' | 'small' | 'base';

/** The encoder shape of each preset; frames and resolution are chosen separately. */
export const PRESETS: Record<
  PresetName,
  Pick<
    VideoMAEConfig,
    | 'hidden_size'
    | 'num_hidden_layers'
    | 'num_attention_heads'
    | 'intermediate_size'
    | 'patch_size'
    | 'tubelet_size'
  > & { description: string }
> = {
  tiny: {
    description: 'A few layers, trains from scratch in minutes on the sample dataset (CPU friendly)',
    hidden_size: 128,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    intermediate_size: 256,
    patch_size: 16,
    tubelet_size: 2,
  },
  small: {
    description: 'ViT-S: 384 wide, 12 layers, 6 heads (MCG-NJU/videomae-small-*)',
    hidden_size: 384,
    num_hidden_layers: 12,
    num_attention_heads: 6,
    intermediate_size: 1536,
    patch_size: 16,
    tubelet_size: 2,
  },
  base: {
    description: 'ViT-B: 768 wide, 12 layers, 12 heads (MCG-NJU/videomae-base-*)',
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    patch_size: 16,
    tubelet_size: 2,
  },
};

/** Frames x resolution choices offered with every preset. */
export const INPUT_CHOICES = [
  { num_frames: 16, image_size: 224 },
  { num_frames: 16, image_size: 160 },
  { num_frames: 8, image_size: 224 },
  { num_frames: 8, image_size: 112 },
  { num_frames: 8, image_size: 64 },
  { num_frames: 4, image_size: 64 },
] as const;

export function presetConfig(
  preset: PresetName,
  input: { num_frames: number; image_size: number },
  labels: readonly string[],
): VideoMAEConfig {
  const { description: _description, ...shape } = PRESETS[preset];
  const config: VideoMAEConfig = {
    ...HF_DEFAULTS,
    ...shape,
    ...input,
    ...labelMaps(labels),
    architectures: ['VideoMAEForVideoClassification'],
  };
  validateConfig(config);
  return config;
}

/** Trainable parameters of VideoMAEForVideoClassification with this config. */
export function countParameters(c: VideoMAEConfig): number {
  const h = c.hidden_size;
  const patch = h * c.num_channels * c.tubelet_size * c.patch_size * c.patch_size + h;
  const attention = 3 * h * h + (c.qkv_bias ? 2 * h : 0) + h * h + h;
  const mlp = h * c.intermediate_size + c.intermediate_size + c.intermediate_size * h + h;
  const norms = 4 * h;
  const layer = attention + mlp + norms;
  const head = 2 * h + h * c.num_labels + c.num_labels;
  return patch + c.num_hidden_layers * layer + head;
}

/** Forward FLOPs for one clip (a multiply-add counts 2), matmuls and attention only. */
export function forwardFlopsPerClip(c: VideoMAEConfig): number {
  const n = sequenceLength(c);
  const h = c.hidden_size;
  const patchDim = c.num_channels * c.tubelet_size * c.patch_size * c.patch_size;
  const embed = 2 * n * patchDim * h;
  const projections = 2 * n * h * h * 4;
  const attention = 2 * n * n * h * 2;
  const mlp = 2 * n * h * c.intermediate_size * 2;
  return embed + c.num_hidden_layers * (projections + attention + mlp) + 2 * h * c.num_labels;
}

/**
 * Float32 bytes of activations kept for the backward pass of one training step: per layer the block's
 * inputs, normalised inputs, q/k/v, context, MLP pre- and post-activation, and (stock attention) the
 * scores and probabilities, heads x N x N each. Fused attention keeps only a log-sum-exp per row.
 */
export function trainingActivationBytes(
  c: VideoMAEConfig,
  batchSize: number,
  fusedAttention = false,
): number {
  const n = sequenceLength(c);
  const h = c.hidden_size;
  const perLayer =
    n * h * 8 +
    n * c.intermediate_size * 2 +
    (fusedAttention ? n * c.num_attention_heads : 2 * c.num_attention_heads * n * n);
  const pixels = c.num_frames * c.num_channels * c.image_size * c.image_size;
  return 4 * batchSize * (pixels + n * h * 2 + c.num_hidden_layers * perLayer);
}
