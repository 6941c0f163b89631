/**
 * One `VideoMAELayer` (pre-norm ViT block) on 2-D activations [batch * tokens, hidden]: shared by the
 * classifier's encoder and by the pretraining encoder and decoder, which differ only in their dimensions and
 * parameter prefix (`videomae.encoder.layer.N.` or `decoder.decoder_layers.N.`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attention } from '../../kernels/attention.ts';
import type { Rng } from '../../util/rng.ts';
import { activation } from './activations.ts';
import { dropPathRates, isHiddenActivation, type HiddenActivation, type VideoMAEConfig } from './config.ts';
import { dropout, dropPathFactors, layerNorm, linear } from './layers.ts';
import { layerPrefix } from './params.ts';

export interface BlockShape {
  batch: number;
  /** Tokens per sample (all of them, or only the visible ones in pretraining). */
  tokens: number;
  hidden: number;
  heads: number;
}

export interface BlockSettings {
  qkvBias: boolean;
  layerNormEps: number;
  act: HiddenActivation;
  /** Dropout rates actually applied (0 outside training). */
  hiddenRate: number;
  attentionRate: number;
  /** Stochastic depth rate of this block (0 outside training). */
  pathRate: number;
  fusedAttention: boolean;
  /** Draws every random mask of the block, in a fixed order. */
  rng: Rng;
}

/** h + Wo(attn(LN_before(h))), then h + W2(act(W1(LN_after(h)))); no tidy of its own (the caller's holds it). */
export function videoMAELayer(
  h: tf.Tensor2D,
  prefix: string,
  param: (name: string) => tf.Tensor,
  shape: BlockShape,
  s: BlockSettings,
): tf.Tensor2D {
  const { batch, tokens, hidden, heads } = shape;
  const headDim = hidden / heads;
  const residual = (x: tf.Tensor2D, branch: tf.Tensor2D): tf.Tensor2D => {
    if (s.pathRate <= 0) return tf.add(x, branch);
    const factors = dropPathFactors(batch, s.pathRate, () => s.rng.next());
    const perRow = new Float32Array(batch * tokens);
    for (let b = 0; b < batch; b++) perRow.fill(factors[b]!, b * tokens, (b + 1) * tokens);
    return tf.add(x, tf.mul(branch, tf.tensor2d(perRow, [batch * tokens, 1])));
  };
  const a = `${prefix}attention.attention.`;
  const normed = layerNorm(
    h,
    param(`${prefix}layernorm_before.weight`),
    param(`${prefix}layernorm_before.bias`),
    s.layerNormEps,
  );
  // Three projections rather than one fused [3H, H] matMul: in tfjs the fused form needs a concat of the
  // weights and a split of the result, which cost more kernels (and, on wasm, a slow strided slice)
  // than the two extra matMul launches. The key has no bias (HF's zero k bias).
  const heads4d = (t: tf.Tensor2D): tf.Tensor4D =>
    tf.transpose(tf.reshape(t, [batch, tokens, heads, headDim]), [0, 2, 1, 3]);
  const q = heads4d(linear(normed, param(`${a}query.weight`), s.qkvBias ? param(`${a}q_bias`) : undefined));
  const k = heads4d(linear(normed, param(`${a}key.weight`)));
  const v = heads4d(linear(normed, param(`${a}value.weight`), s.qkvBias ? param(`${a}v_bias`) : undefined));
  const context = attention(q, k, v, {
    fused: s.fusedAttention,
    dropoutRate: s.attentionRate,
    dropoutSeed: s.rng.nextUint32(),
  });
  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * tokens, hidden]) as tf.Tensor2D;
  const attended = linear(
    merged,
    param(`${prefix}attention.output.dense.weight`),
    param(`${prefix}attention.output.dense.bias`),
  );
  let out = residual(h, dropout(attended, s.hiddenRate, s.rng.nextUint32()) as tf.Tensor2D);

  const normed2 = layerNorm(
    out,
    param(`${prefix}layernorm_after.weight`),
    param(`${prefix}layernorm_after.bias`),
    s.layerNormEps,
  );
  const inner = linear(
    normed2,
    param(`${prefix}intermediate.dense.weight`),
    param(`${prefix}intermediate.dense.bias`),
  );
  const activated = activation(s.act, inner) as tf.Tensor2D;
  const mlp = linear(activated, param(`${prefix}output.dense.weight`), param(`${prefix}output.dense.bias`));
  out = residual(out, dropout(mlp, s.hiddenRate, s.rng.nextUint32()) as tf.Tensor2D);
  return out;
}

export interface StackOptions {
  training: boolean;
  fusedAttention: boolean;
  rng: Rng;
  /** Called with each layer's output (HF `hidden_states[i + 1]`). */
  onLayer?: (h: tf.Tensor2D) => void;
}

/**
 * The encoder's `num_hidden_layers` blocks (`videomae.encoder.layer.N.`) over [batch * tokens, hidden], with
 * the config's dropouts and drop-path rates when training.
 */
export function encoderStack(
  h: tf.Tensor2D,
  config: VideoMAEConfig,
  param: (name: string) => tf.Tensor,
  dims: { batch: number; tokens: number },
  options: StackOptions,
): tf.Tensor2D {
  const act = config.hidden_act;
  if (!isHiddenActivation(act)) throw new Error(`unsupported hidden_act ${act}`);
  const pathRates = dropPathRates(config);
  let out = h;
  for (let i = 0; i < config.num_hidden_layers; i++) {
    out = videoMAELayer(
      out,
      layerPrefix(i),
      param,
      { ...dims, hidden: config.hidden_size, heads: config.num_attention_heads },
      {
        qkvBias: config.qkv_bias,
        layerNormEps: config.layer_norm_eps,
        act,
        hiddenRate: options.training ? config.hidden_dropout_prob : 0,
        attentionRate: options.training ? config.attention_probs_dropout_prob : 0,
        pathRate: options.training ? pathRates[i]! : 0,
        fusedAttention: options.fusedAttention,
        rng: options.rng,
      },
    );
    options.onLayer?.(out);
  }
  return out;
}
