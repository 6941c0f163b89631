/**
 * Hugging Face's `VideoMAEForVideoClassification` in tfjs: same parameters (names and PyTorch shapes), same
 * arithmetic, so a checkpoint loads 1:1 and the logits match the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../util/rng.ts';
import { encoderStack } from './block.ts';
import { sequenceLength, validateConfig, type VideoMAEConfig } from './config.ts';
import { layerNorm, linear } from './layers.ts';
import { BASE_MODEL_PREFIX, initParameter, numel, parameterSpecs, type ParamSpec } from './params.ts';
import { sinusoidTable } from './position.ts';

/** `fc_norm` is a plain nn.LayerNorm, so it keeps PyTorch's default eps whatever layer_norm_eps says. */
const FC_NORM_EPS = 1e-5;

export interface ForwardOptions {
  /** Dropout, attention dropout and drop path are active only when training. */
  training?: boolean;
  /** Seeds every random mask of a training forward pass (default 0). */
  seed?: number;
  /** Also return the embeddings output and every layer's output, [batch, tokens, hidden] each. */
  outputHiddenStates?: boolean;
  /** Also return the classifier's input (pooled, normalised features), [batch, hidden]. */
  outputPooled?: boolean;
  /** Let attention() use a fused kernel where one exists (default true). */
  fusedAttention?: boolean;
}

export interface ForwardOutput {
  logits: tf.Tensor2D;
  /** HF `hidden_states`: index 0 the embeddings, index i the output of layer i - 1 (before any final norm). */
  hiddenStates?: tf.Tensor3D[];
  pooled?: tf.Tensor2D;
}

export class InputShapeError extends Error {
  override name = 'InputShapeError';
}

export class MissingParameterError extends Error {
  override name = 'MissingParameterError';
}

/** Plain data of one parameter, e.g. for export. */
export interface ParameterValue {
  shape: number[];
  data: Float32Array;
}

export class VideoMAEForVideoClassification {
  readonly config: VideoMAEConfig;
  /** Keyed by HF state_dict name, in state_dict order, PyTorch shapes. */
  readonly params: Map<string, tf.Variable>;
  private readonly positionTable: tf.Tensor2D;
  private disposed = false;

  private constructor(config: VideoMAEConfig, params: Map<string, tf.Variable>) {
    this.config = config;
    this.params = params;
    this.positionTable = tf.tensor2d(sinusoidTable(sequenceLength(config), config.hidden_size), [
      sequenceLength(config),
      config.hidden_size,
    ]);
  }

  /** A freshly initialised model (HF `_init_weights`), reproducible from `seed`. */
  static create(
    config: VideoMAEConfig,
    options: { seed?: number | string } = {},
  ): VideoMAEForVideoClassification {
    const seed = options.seed ?? 0;
    const weights = new Map<string, Float32Array>();
    for (const spec of parameterSpecs(config)) weights.set(spec.name, initParameter(spec, config, seed));
    return VideoMAEForVideoClassification.fromWeights(config, weights);
  }

  /**
   * A model from a complete set of parameter values (every name of `parameterSpecs(config)`, in PyTorch
   * shapes, C order). Extra names are an error here: deciding what to ignore is the loader's job.
   */
  static fromWeights(
    config: VideoMAEConfig,
    weights: ReadonlyMap<string, Float32Array>,
  ): VideoMAEForVideoClassification {
    validateConfig(config);
    const specs = parameterSpecs(config);
    const problems: string[] = [];
    for (const spec of specs) {
      const data = weights.get(spec.name);
      if (!data) problems.push(`${spec.name} is missing`);
      else if (data.length !== numel(spec.shape))
        problems.push(`${spec.name} has ${data.length} values, expected [${spec.shape.join(', ')}]`);
    }
    const known = new Set(specs.map((s) => s.name));
    for (const name of weights.keys()) if (!known.has(name)) problems.push(`${name} is not a parameter`);
    if (problems.length > 0) throw new MissingParameterError(`Cannot build VideoMAE: ${problems.join('; ')}`);
    const params = new Map<string, tf.Variable>();
    for (const spec of specs) params.set(spec.name, makeVariable(spec, weights.get(spec.name)!));
    return new VideoMAEForVideoClassification(config, params);
  }

  /** The parameters in state_dict order (what an optimizer updates). */
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

  forward(pixelValues: tf.Tensor5D, options: ForwardOptions = {}): ForwardOutput {
    if (this.disposed) throw new Error('VideoMAEForVideoClassification: forward() after dispose()');
    this.checkInput(pixelValues);
    const c = this.config;
    const training = options.training ?? false;
    const rng = new Rng(`videomae-forward/${options.seed ?? 0}`);
    const batch = pixelValues.shape[0];
    const tokens = sequenceLength(c);
    const hidden = c.hidden_size;
    const p = (name: string): tf.Variable => this.param(name);

    return tf.tidy(() => {
      const hiddenStates: tf.Tensor3D[] = [];
      const keep = (h: tf.Tensor2D): void => {
        if (options.outputHiddenStates) hiddenStates.push(tf.reshape(h, [batch, tokens, hidden]));
      };
      const embedded = embedTokens(pixelValues, c, p, this.positionTable);
      keep(embedded);
      const h = encoderStack(
        embedded,
        c,
        p,
        { batch, tokens },
        { training, fusedAttention: options.fusedAttention ?? true, rng, onLayer: keep },
      );

      let pooled: tf.Tensor2D;
      if (c.use_mean_pooling) {
        const mean = tf.mean(tf.reshape(h, [batch, tokens, hidden]), 1) as tf.Tensor2D;
        pooled = layerNorm(mean, p('fc_norm.weight'), p('fc_norm.bias'), FC_NORM_EPS);
      } else {
        // videomae.layernorm is per token, so normalising only token 0 gives exactly HF's [:, 0].
        const first = tf.reshape(
          tf.slice(tf.reshape(h, [batch, tokens, hidden]), [0, 0, 0], [batch, 1, hidden]),
          [batch, hidden],
        ) as tf.Tensor2D;
        const ln = `${BASE_MODEL_PREFIX}.layernorm`;
        pooled = layerNorm(first, p(`${ln}.weight`), p(`${ln}.bias`), c.layer_norm_eps);
      }
      const logits = linear(pooled, p('classifier.weight'), p('classifier.bias'));
      const result: ForwardOutput = { logits };
      if (options.outputHiddenStates) result.hiddenStates = hiddenStates;
      if (options.outputPooled) result.pooled = pooled;
      return result as unknown as tf.TensorContainer;
    }) as unknown as ForwardOutput;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    this.positionTable.dispose();
  }

  private param(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new MissingParameterError(`VideoMAE has no parameter ${name}`);
    return v;
  }

  private checkInput(x: tf.Tensor): void {
    const c = this.config;
    const expected = [c.num_frames, c.num_channels, c.image_size, c.image_size];
    if (x.rank !== 5 || expected.some((d, i) => x.shape[i + 1] !== d)) {
      throw new InputShapeError(
        `pixel_values must be [batch, ${expected.join(', ')}] (batch, frames, channels, height, width) for this ` +
          `config, got [${x.shape.join(', ')}]`,
      );
    }
    if (x.dtype !== 'float32') throw new InputShapeError(`pixel_values must be float32, got ${x.dtype}`);
  }
}

/**
 * `videomae.embeddings` without masking: the tube embedding plus the fixed position table `[tokens, hidden]`,
 * as [batch * tokens, hidden].
 */
export function embedTokens(
  pixelValues: tf.Tensor5D,
  config: VideoMAEConfig,
  param: (name: string) => tf.Tensor,
  positionTable: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = pixelValues.shape[0];
    const [tokens, hidden] = positionTable.shape;
    const projection = `${BASE_MODEL_PREFIX}.embeddings.patch_embeddings.projection`;
    const embedded = patchEmbed(
      pixelValues,
      param(`${projection}.weight`),
      param(`${projection}.bias`),
      config.tubelet_size,
      config.patch_size,
    );
    return tf.reshape(tf.add(tf.reshape(embedded, [batch, tokens, hidden]), positionTable), [
      batch * tokens,
      hidden,
    ]) as tf.Tensor2D;
  });
}

/**
 * The tube embedding (HF's Conv3d with kernel = stride = (tubelet, patch, patch)) as one matMul: [B, T, C,
 * H, W] is cut into one row per token, tokens in (t, h, w) order with w fastest, each row laid out
 * (t, C, h, w); the Conv3d weight [hidden, C, t, h, w] is permuted to match. Only rank-4 transposes: the
 * wasm backend's generic path for rank 5 is an order of magnitude slower.
 */
export function patchEmbed(
  x: tf.Tensor5D,
  weight: tf.Tensor,
  bias: tf.Tensor,
  tubelet: number,
  patch: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t, c, height, width] = x.shape;
    const tp = t / tubelet;
    const hp = height / patch;
    const wp = width / patch;
    // x is (B, Tp, ts, C, Hp, ph, Wp, pw) in row-major order: first bring Wp before ph...
    const a = tf.transpose(tf.reshape(x, [b * tp * tubelet * c * hp, patch, wp, patch]), [0, 2, 1, 3]);
    // ...then (B*Tp, ts*C, Hp*Wp, ph*pw) -> (B*Tp, Hp*Wp, ts*C, ph*pw).
    const rows = tf.reshape(
      tf.transpose(tf.reshape(a, [b * tp, tubelet * c, hp * wp, patch * patch]), [0, 2, 1, 3]),
      [b * tp * hp * wp, tubelet * c * patch * patch],
    ) as tf.Tensor2D;
    const hidden = weight.shape[0]!;
    const kernel = tf.reshape(
      tf.transpose(tf.reshape(weight, [hidden, c, tubelet, patch * patch]), [0, 2, 1, 3]),
      [hidden, tubelet * c * patch * patch],
    );
    return linear(rows, kernel, bias);
  });
}

export function makeVariable(spec: ParamSpec, data: Float32Array): tf.Variable {
  const initial = tf.tensor(data, spec.shape, 'float32');
  // No variable name: tfjs names are global, and two models (CutMix on / off) live side by side.
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}
