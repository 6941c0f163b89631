/**
 * Hugging Face's `VideoMAEForPreTraining` in tfjs: same parameters (names, PyTorch shapes, state_dict order)
 * and arithmetic. The encoder (shared with the classifier) sees only the visible tokens; the decoder gets
 * them projected by `encoder_to_decoder` plus `mask_token` for every hidden cube, each with the decoder's
 * fixed sinusoidal position, and predicts the hidden cubes' pixels; the loss is their MSE against
 * `pixelTargets` (cubes.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng.ts';
import { encoderStack, videoMAELayer } from './block.ts';
import {
  InvalidConfigError,
  isHiddenActivation,
  sequenceLength,
  validateConfig,
  type VideoMAEConfig,
} from './config.ts';
import { pixelTargets } from './cubes.ts';
import { layerNorm, linear } from './layers.ts';
import { maskIndices } from './masking.ts';
import {
  embedTokens,
  InputShapeError,
  makeVariable,
  MissingParameterError,
  type ParameterValue,
} from './model.ts';
import {
  BASE_MODEL_PREFIX,
  decoderLayerPrefix,
  decoderOutputSize,
  initParameter,
  numel,
  pretrainingParameterSpecs,
} from './params.ts';
import { sinusoidTable } from './position.ts';

/** `decoder.norm` is a plain nn.LayerNorm: PyTorch's default eps whatever layer_norm_eps says. */
const DECODER_NORM_EPS = 1e-5;

export interface PretrainForwardOptions {
  /** Dropouts and encoder drop path are active only when training (all 0 in HF's defaults). */
  training?: boolean;
  /** Seeds every random mask of a training forward pass (default 0). */
  seed?: number;
  /** Let attention() use a fused kernel where one exists (default true). */
  fusedAttention?: boolean;
  /** Also return the target cubes of the masked tokens, [batch, num_masked, cube]. */
  outputTarget?: boolean;
  /** Also return the encoder output of the visible tokens (after videomae.layernorm), [batch, visible, hidden]. */
  outputEncoderHidden?: boolean;
}

export interface PretrainForwardOutput {
  /** MSE over every value of every masked cube (nn.MSELoss, mean). */
  loss: tf.Scalar;
  /** Predicted cubes of the masked tokens in increasing token order: [batch, num_masked, ts * p * p * C]. */
  logits: tf.Tensor3D;
  target?: tf.Tensor3D;
  encoderHidden?: tf.Tensor3D;
}

/**
 * Rows of [rows, features] reordered by a permutation, with the gradient gathered back through the inverse
 * permutation: tfjs's own gather gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
function permuteRows(x: tf.Tensor2D, order: Int32Array): tf.Tensor2D {
  const inverse = new Int32Array(order.length);
  order.forEach((row, i) => (inverse[row] = i));
  const permute = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    return {
      value: tf.gather(input, tf.tensor1d(order, 'int32')),
      gradFunc: (dy: tf.Tensor) => tf.gather(dy, tf.tensor1d(inverse, 'int32')),
    };
  });
  return permute(x) as tf.Tensor2D;
}

export class VideoMAEForPreTraining {
  readonly config: VideoMAEConfig;
  /** Keyed by HF state_dict name, in state_dict order, PyTorch shapes. */
  readonly params: Map<string, tf.Variable>;
  private readonly positionTable: tf.Tensor2D;
  private readonly decoderPositionTable: tf.Tensor2D;
  private disposed = false;

  private constructor(config: VideoMAEConfig, params: Map<string, tf.Variable>) {
    this.config = config;
    this.params = params;
    const tokens = sequenceLength(config);
    this.positionTable = tf.tensor2d(sinusoidTable(tokens, config.hidden_size), [tokens, config.hidden_size]);
    this.decoderPositionTable = tf.tensor2d(sinusoidTable(tokens, config.decoder_hidden_size), [
      tokens,
      config.decoder_hidden_size,
    ]);
  }

  /** A freshly initialised model (HF `_init_weights`; mask_token 0), reproducible from `seed`. */
  static create(config: VideoMAEConfig, options: { seed?: number | string } = {}): VideoMAEForPreTraining {
    const seed = options.seed ?? 0;
    validatePretrainingConfig(config);
    const weights = new Map<string, Float32Array>();
    for (const spec of pretrainingParameterSpecs(config))
      weights.set(spec.name, initParameter(spec, config, seed));
    return VideoMAEForPreTraining.fromWeights(config, weights);
  }

  /** A model from every parameter of `pretrainingParameterSpecs(config)` (PyTorch shapes, C order); extra names are an error. */
  static fromWeights(
    config: VideoMAEConfig,
    weights: ReadonlyMap<string, Float32Array>,
  ): VideoMAEForPreTraining {
    validatePretrainingConfig(config);
    const specs = pretrainingParameterSpecs(config);
    const problems: string[] = [];
    for (const spec of specs) {
      const data = weights.get(spec.name);
      if (!data) problems.push(`${spec.name} is missing`);
      else if (data.length !== numel(spec.shape))
        problems.push(`${spec.name} has ${data.length} values, expected [${spec.shape.join(', ')}]`);
    }
    const known = new Set(specs.map((s) => s.name));
    for (const name of weights.keys()) if (!known.has(name)) problems.push(`${name} is not a parameter`);
    if (problems.length > 0)
      throw new MissingParameterError(`Cannot build VideoMAEForPreTraining: ${problems.join('; ')}`);
    const params = new Map<string, tf.Variable>();
    for (const spec of specs) params.set(spec.name, makeVariable(spec, weights.get(spec.name)!));
    return new VideoMAEForPreTraining(config, params);
  }

  /** Tokens per clip (seq_len): a mask is [batch, this]. */
  get sequenceLength(): number {
    return sequenceLength(this.config);
  }

  trainableVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  parameterCount(): number {
    let total = 0;
    for (const v of this.params.values()) total += v.size;
    return total;
  }

  /** Every parameter read back from the backend (asynchronously: never a sync read on WebGPU). */
  async getWeights(): Promise<Map<string, ParameterValue>> {
    const out = new Map<string, ParameterValue>();
    for (const [name, v] of this.params)
      out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    return out;
  }

  /** The encoder's weights only (`videomae.*`), what a classifier starts from. */
  async getEncoderWeights(): Promise<Map<string, ParameterValue>> {
    const all = await this.getWeights();
    return new Map([...all].filter(([name]) => name.startsWith(`${BASE_MODEL_PREFIX}.`)));
  }

  /**
   * `VideoMAEForPreTraining(pixel_values, bool_masked_pos=mask)`. `mask` is [batch, seq_len] row-major,
   * 1 = masked, the same count in every clip (masking.ts makes such masks). Everything returned is owned by
   * the caller; use inside tf.variableGrads / tf.grads to train.
   */
  forward(
    pixelValues: tf.Tensor5D,
    mask: Uint8Array,
    options: PretrainForwardOptions = {},
  ): PretrainForwardOutput {
    if (this.disposed) throw new Error('VideoMAEForPreTraining: forward() after dispose()');
    this.checkInput(pixelValues);
    const c = this.config;
    const batch = pixelValues.shape[0];
    const tokens = sequenceLength(c);
    const { visible, masked, numMasked } = maskIndices(mask, batch, tokens);
    const numVisible = tokens - numMasked;
    const training = options.training ?? false;
    const fusedAttention = options.fusedAttention ?? true;
    const rng = new Rng(`videomae-pretrain-forward/${options.seed ?? 0}`);
    const act = c.hidden_act;
    if (!isHiddenActivation(act)) throw new Error(`unsupported hidden_act ${act}`);
    const p = (name: string): tf.Variable => this.param(name);
    const d = c.decoder_hidden_size;

    return tf.tidy(() => {
      // Flat row of (clip b, token i) in [batch * tokens]: how HF's embeddings[~bool_masked_pos] selects.
      const flat = (perClip: Int32Array, count: number): Int32Array =>
        perClip.map((i, k) => Math.floor(k / count) * tokens + i);
      const visibleRows = flat(visible, numVisible);
      const maskedRows = flat(masked, numMasked);
      const order = new Int32Array(batch * tokens);
      order.set(visibleRows);
      order.set(maskedRows, visibleRows.length);
      const embedded = embedTokens(pixelValues, c, p, this.positionTable);
      const visibleTokens = tf.slice(
        permuteRows(embedded, order),
        [0, 0],
        [visibleRows.length, c.hidden_size],
      );
      let h = encoderStack(
        visibleTokens,
        c,
        p,
        { batch, tokens: numVisible },
        { training, fusedAttention, rng },
      );
      if (!c.use_mean_pooling) {
        const ln = `${BASE_MODEL_PREFIX}.layernorm`;
        h = layerNorm(h, p(`${ln}.weight`), p(`${ln}.bias`), c.layer_norm_eps);
      }
      const encoderHidden = options.outputEncoderHidden
        ? (tf.reshape(h, [batch, numVisible, c.hidden_size]) as tf.Tensor3D)
        : undefined;

      const projected = linear(h, p('encoder_to_decoder.weight'));
      const visiblePositions = tf.gather(this.decoderPositionTable, tf.tensor1d(visible, 'int32'));
      const maskedPositions = tf.gather(this.decoderPositionTable, tf.tensor1d(masked, 'int32'));
      const decoderInput = tf.concat(
        [
          tf.reshape(tf.add(projected, visiblePositions), [batch, numVisible, d]),
          tf.reshape(tf.add(maskedPositions, tf.reshape(p('mask_token'), [1, d])), [batch, numMasked, d]),
        ],
        1,
      );
      let x = tf.reshape(decoderInput, [batch * tokens, d]) as tf.Tensor2D;
      for (let i = 0; i < c.decoder_num_hidden_layers; i++) {
        x = videoMAELayer(
          x,
          decoderLayerPrefix(i),
          p,
          { batch, tokens, hidden: d, heads: c.decoder_num_attention_heads },
          {
            qkvBias: c.qkv_bias,
            layerNormEps: c.layer_norm_eps,
            act,
            hiddenRate: training ? c.hidden_dropout_prob : 0,
            attentionRate: training ? c.attention_probs_dropout_prob : 0,
            pathRate: 0,
            fusedAttention,
            rng,
          },
        );
      }
      // Only the last num_masked tokens (the mask tokens) go through the norm and the head.
      const tail = tf.reshape(
        tf.slice(tf.reshape(x, [batch, tokens, d]), [0, numVisible, 0], [batch, numMasked, d]),
        [batch * numMasked, d],
      ) as tf.Tensor2D;
      const normed = layerNorm(tail, p('decoder.norm.weight'), p('decoder.norm.bias'), DECODER_NORM_EPS);
      const cube = decoderOutputSize(c);
      const logits = tf.reshape(linear(normed, p('decoder.head.weight'), p('decoder.head.bias')), [
        batch,
        numMasked,
        cube,
      ]) as tf.Tensor3D;

      const allTargets = pixelTargets(pixelValues, c);
      const target = tf.reshape(
        tf.gather(tf.reshape(allTargets, [batch * tokens, cube]), tf.tensor1d(maskedRows, 'int32')),
        [batch, numMasked, cube],
      ) as tf.Tensor3D;
      const loss = tf.mean(tf.squaredDifference(logits, target)) as tf.Scalar;
      const result: PretrainForwardOutput = { loss, logits };
      if (options.outputTarget) result.target = target;
      if (encoderHidden) result.encoderHidden = encoderHidden;
      return result as unknown as tf.TensorContainer;
    }) as unknown as PretrainForwardOutput;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    this.positionTable.dispose();
    this.decoderPositionTable.dispose();
  }

  private param(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new MissingParameterError(`VideoMAEForPreTraining has no parameter ${name}`);
    return v;
  }

  private checkInput(x: tf.Tensor): void {
    const c = this.config;
    const expected = [c.num_frames, c.num_channels, c.image_size, c.image_size];
    if (x.rank !== 5 || expected.some((dim, i) => x.shape[i + 1] !== dim)) {
      throw new InputShapeError(
        `pixel_values must be [batch, ${expected.join(', ')}] (batch, frames, channels, height, width) for this ` +
          `config, got [${x.shape.join(', ')}]`,
      );
    }
    if (x.dtype !== 'float32') throw new InputShapeError(`pixel_values must be float32, got ${x.dtype}`);
  }
}

/** The encoder's checks plus the decoder's shape. */
export function validatePretrainingConfig(c: VideoMAEConfig): void {
  validateConfig(c);
  const problems: string[] = [];
  for (const key of [
    'decoder_hidden_size',
    'decoder_num_hidden_layers',
    'decoder_num_attention_heads',
    'decoder_intermediate_size',
  ] as const) {
    const value = c[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      problems.push(`${key} must be a positive integer (got ${String(value)})`);
  }
  if (c.decoder_hidden_size % c.decoder_num_attention_heads !== 0) {
    problems.push(
      `decoder_hidden_size ${c.decoder_hidden_size} is not a multiple of decoder_num_attention_heads ${c.decoder_num_attention_heads}`,
    );
  }
  if (c.norm_pix_loss && c.tubelet_size * c.patch_size * c.patch_size < 2)
    problems.push('norm_pix_loss needs cubes of at least 2 values per channel (unbiased variance)');
  if (problems.length > 0)
    throw new InvalidConfigError(`Invalid VideoMAE pretraining config: ${problems.join('; ')}`);
}
